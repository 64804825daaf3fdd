"""mlprep: the ML Prep API (v1) maintenance operations, with a simulated instrument behind them."""

__version__ = "0.1.0"
