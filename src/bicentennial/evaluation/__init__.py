"""Evaluation: did it work? Counterfactual impact estimates for the accord and for task-force deployments."""
