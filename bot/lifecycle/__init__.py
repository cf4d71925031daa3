"""The request lifecycle: states, transitions, approvals, device locks and the worker loop."""
