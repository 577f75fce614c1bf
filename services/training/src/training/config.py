from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables prefixed TRAINING_ (e.g. TRAINING_DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="TRAINING_", extra="ignore")
    service_name: str = "training"
    port: int = 8002
    #: Rows besides the header one import file may hold (TRAINING_IMPORT_MAX_ROWS); a larger file is refused
    #: with 413 before anything is stored. A large university's yearly ledger is well under 100,000 rows.
    import_max_rows: int = Field(default=200_000, ge=1)
