"""The MQTT door of energy intake: the consuming worker and the broker's configuration."""
