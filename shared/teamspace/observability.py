"""The one place that builds the Powertools Logger and Metrics for every function.

Service name, log level and metrics namespace come from the POWERTOOLS_* variables
that template.yaml sets through Globals.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()

# A request that changes nothing has no business metric to publish; that is not news.
warnings.filterwarnings("ignore", message="No application metrics to publish")
