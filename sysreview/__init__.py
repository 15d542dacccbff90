"""sysreview: qualitative analysis of health and social care system reviews."""

__version__ = "0.1.0"
