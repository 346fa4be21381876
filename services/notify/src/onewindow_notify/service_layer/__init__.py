"""service_layer of notify."""
