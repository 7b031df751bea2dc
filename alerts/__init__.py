"""Crisis alerts: detectors (spike, keyword, influencer, opt-in opportunity), explanations, delivery, backtests.

See docs/alerts.md.
"""
