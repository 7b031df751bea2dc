"""Kibana saved objects for Groundswell, generated from `spec.yaml` (`python -m dashboards.kibana.build`)."""
