"""service_layer of evaluation."""
