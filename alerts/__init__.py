"""Crisis alerts: detectors (spike, keyword, influencer), explanations, delivery, backtests.

See docs/alerts.md.
"""
