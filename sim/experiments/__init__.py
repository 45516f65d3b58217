"""Experiments on the model: single runs and replicate ensembles (one replicate path for runs,
comparisons and calibration), policy contrasts, cost-effectiveness, expectations and ABC-SMC
calibration.
"""
