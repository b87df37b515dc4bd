"""ParkCert: checks Chinese industrial zones against the national park certification programs."""
__version__ = "0.1.0"
