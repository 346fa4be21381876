"""事项发布: publishing catalogue item versions. Loading the same record again adds no version."""
from __future__ import annotations

from collections.abc import Sequence

from onewindow_chassis.eventstore import from_contract

from ..adapters import repository
from ..domain.catalogue import Item
from .unit_of_work import UnitOfWork

_VOLATILE = {"item_version", "published_at"}


def _content(item: Item) -> tuple[dict, tuple[str, ...]]:
    return item.record.model_dump(mode="json", exclude=_VOLATILE), item.form_fields


async def publish_items(drafts: Sequence[Item], uow: UnitOfWork) -> list[Item]:
    """Publish each draft whose content differs from its item's newest version, as the next version
    (CatalogueItemVersionPublished on the compacted catalogue topic); return what was published."""
    catalogue = uow.services.catalogue
    published = []
    for draft in drafts:
        versions = [v for (code, v) in catalogue.items if code == draft.code]
        if versions and _content(catalogue.current(draft.code)) == _content(draft):
            continue
        version = max(versions, default=0) + 1
        record = draft.record.model_copy(update={"item_version": version, "published_at": uow.now})
        item = Item(type(draft.record).model_validate(record.model_dump()), draft.form_fields)
        await repository.save_item(uow.tx, item)
        await uow.store.append(uow.tx, f"catalogue:{item.code}", version - 1, [from_contract(item.record)], uow.now)
        catalogue.add(item)
        published.append(item)
    return published
