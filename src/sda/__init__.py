"""SDA: a shared, trusted picture of the space domain for allied operators."""

__version__ = "0.1.0"
