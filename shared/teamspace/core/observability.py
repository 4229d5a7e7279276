"""The one place that builds the Powertools Logger and Metrics for every function.

Service name, log level and metrics namespace come from the POWERTOOLS_* variables
that template.yaml sets through Globals.
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
# The namespace is read when Metrics is built; a process that imports the layer before
# its environment is set (tests, the local runtime) still gets the template's value.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Teamspace"))

# A request that changes nothing has no business metric to publish; that is not news.
warnings.filterwarnings("ignore", message="No application metrics to publish")
