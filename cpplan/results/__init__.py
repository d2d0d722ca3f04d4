"""Survey results: aggregation from maintained counts, disclosure control, charts and the hotspot map."""
