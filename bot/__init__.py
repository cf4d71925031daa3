"""netops: reviewed Ansible runbooks executed from chat with approval, device locks and a git audit trail."""

__version__ = "0.1.0"
