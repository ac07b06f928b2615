"""infoshare: information-sharing decisions for early-years settings, co-signed and logged."""

__version__ = "0.1.0"
