"""The starter catalog: blueprint files (TOML) and their code, shipped with the service."""
