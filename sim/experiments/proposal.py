"""The proposal of the calibration's ABC-SMC: one multivariate normal fitted to the last
generation, with a share of draws from the prior ("defensive" importance sampling).

pyABC's default proposal is a Gaussian kernel density estimate over the last generation's
particles. In the 30 and more dimensions of this model's calibration, a few hundred kernels
leave the proposal lumpy, and the importance weights (prior over proposal) fell onto two to eight
particles of 400. One Gaussian fitted to the whole population (its weighted mean and covariance,
the covariance inflated) is smooth, which keeps the weights more balanced while the posterior is
close to normal on the prior-quantile scale the sampler works on (though in 33 dimensions they
still fell onto a few particles by the fourth generation); mixing in the prior itself keeps
every weight below ``1 / prior_share`` times the prior's (Hesterberg 1995, "Weighted average
importance sampling and defensive mixture distributions", Technometrics 37: 185-194). An
independence proposal of this kind is a valid ABC-SMC proposal (Beaumont et al. 2009; any
proposal whose support covers the posterior).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyabc.parameters import Parameter
from pyabc.transition import Transition
from pyabc.transition.util import smart_cov
from scipy import stats

INFLATION = 2.0  # the fitted covariance is doubled, so the proposal's tails cover the posterior's
PRIOR_SHARE = 0.1  # one draw in ten from the prior (a standard normal on the quantile scale)
RIDGE = 0.01  # added to each variance (a standard deviation of at least 0.1 of the prior's): a
# population whose weights sit on a few particles would otherwise give a singular covariance,
# whose density is infinite on its subspace (pyABC then weighs every particle alike)


class GaussianProposal(Transition):
    """Draws from ``(1 - PRIOR_SHARE) N(mean, INFLATION cov) + PRIOR_SHARE N(0, I)``."""

    def __init__(self, inflation: float = INFLATION, prior_share: float = PRIOR_SHARE) -> None:
        self.inflation, self.prior_share = inflation, prior_share
        self.fitted = self.prior = None

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        x = X.to_numpy(dtype=float)
        mean = w @ x / w.sum()
        cov = (np.atleast_2d(smart_cov(x, w)) + RIDGE * np.eye(x.shape[1])) * self.inflation
        self.fitted = stats.multivariate_normal(mean, cov)
        self.prior = stats.multivariate_normal(np.zeros(x.shape[1]), np.eye(x.shape[1]))

    def rvs_single(self) -> Parameter:
        source = self.prior if np.random.uniform() < self.prior_share else self.fitted
        return Parameter(dict(zip(self.X.columns, np.atleast_1d(source.rvs()), strict=True)))

    def pdf(self, x):
        if isinstance(x, Parameter | pd.Series):
            x = np.array([x[key] for key in self.X.columns], dtype=float)
        else:
            x = x[self.X.columns].to_numpy(dtype=float)
        return ((1 - self.prior_share) * self.fitted.pdf(x)
                + self.prior_share * self.prior.pdf(x))
