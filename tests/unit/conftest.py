import os

# Powertools reads these when the handler modules are imported.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "rollwright-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RollwrightTest")
