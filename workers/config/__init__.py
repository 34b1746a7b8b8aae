"""SMTP configuration: stored settings, resolution, provider presets, connection tests."""
