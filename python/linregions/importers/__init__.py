"""Front ends that turn models into :class:`linregions.Network` IR."""
