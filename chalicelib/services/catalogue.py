"""Reading the assessment catalogue."""

from chalicelib.domain.catalogue import Framework
from chalicelib.domain.errors import NotFound


class CatalogueService:
    def __init__(self, catalogue: dict[str, Framework]):
        self._catalogue = catalogue

    def list_frameworks(self) -> list[Framework]:
        return sorted(self._catalogue.values(), key=lambda f: f.framework_id)

    def get_framework(self, framework_id: str) -> Framework:
        try:
            return self._catalogue[framework_id]
        except KeyError:
            raise NotFound(f"Framework {framework_id!r} does not exist.") from None
