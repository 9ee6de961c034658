"""Rollwright: a serverless, CodeDeploy-compatible deployment service."""
