"""Panels and figures that belong to one notebook each (``from vetora_nb.panels import nbNN_<name>``)."""
