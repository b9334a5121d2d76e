"""Settings shared by every package of adorn except imaging (which takes plain parameters)."""
