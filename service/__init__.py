"""The HTTP edge and the composition root."""
