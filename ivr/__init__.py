"""City hotline: 112 emergency and 12345 citizen-service lines on Asterisk."""

__version__ = "0.1.0"
