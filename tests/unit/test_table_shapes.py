"""Table shapes are declared once, by the pynamodb models: the tables the stack and the local stack
create (vaxcert.resources + store.models.table_shape) are the tables the models read and write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from moto import mock_aws
from pynamodb.attributes import NumberAttribute
from pynamodb.models import Model

from local_stack.provision import create_table
from vaxcert import resources
from vaxcert.store import models
from vaxcert.store.models import table_shape


def _models_of(table: resources.Table) -> tuple[type[Model], ...]:
    return (models._MODELS[table.logical_id], *models._SHARED_TABLE_MODELS.get(table.logical_id, ()))


def _index_keys(index: Mapping[str, Any]) -> tuple[str, frozenset[tuple[str, str]]]:
    name = index.get("IndexName") or index["index_name"]
    schema = index.get("KeySchema") or index["key_schema"]
    return name, frozenset((k["AttributeName"], k["KeyType"]) for k in schema)


def _pynamodb_schema(table: resources.Table) -> dict[str, Any]:
    """What the models would create: keys, indexes, key attribute types (over all models of the table)."""
    keys: frozenset[tuple[str, str]] = frozenset()
    indexes: set[tuple[str, frozenset[tuple[str, str]]]] = set()
    types: dict[str, str] = {}
    for i, model in enumerate(_models_of(table)):
        schema = model._get_schema()
        if i == 0:
            keys = frozenset((k["AttributeName"], k["KeyType"]) for k in schema["key_schema"])
        indexes |= {_index_keys(gsi) for gsi in schema["global_secondary_indexes"]}
        types |= {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    return {"keys": keys, "indexes": indexes, "types": types}


def test_every_model_belongs_to_a_declared_table() -> None:
    declared = {t.logical_id for t in resources.TABLES}
    assert set(models._MODELS) == declared
    in_module = {
        v for v in vars(models).values() if isinstance(v, type) and issubclass(v, Model) and v is not Model
    }
    mapped = {m for t in resources.TABLES for m in _models_of(t)}
    assert in_module == mapped


def test_the_created_tables_are_the_models_tables() -> None:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        for table in resources.TABLES:
            described = ddb.describe_table(TableName=create_table(ddb, table))["Table"]
            created = {
                "keys": frozenset((k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]),
                "indexes": {_index_keys(gsi) for gsi in described.get("GlobalSecondaryIndexes", [])},
                "types": {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]},
            }
            assert created == _pynamodb_schema(table), table.logical_id
            for gsi in described.get("GlobalSecondaryIndexes", []):
                assert gsi["Projection"]["ProjectionType"] == "ALL"


def test_index_order_and_shape_follow_the_model_declarations() -> None:
    shape = table_shape(resources.CERTIFICATES)
    assert shape.partition == resources.Key("hcid") and shape.sort is None
    assert [i.name for i in shape.indexes][:3] == ["ByMobile", "ByDob", "ByEvent"]
    assert shape.indexes[2].sort == resources.Key("version", "N")
    audit = table_shape(resources.AUDIT)
    # The index items' own index (AuditIndexItem) is part of the audit table.
    assert [i.name for i in audit.indexes] == ["ByHcid", "ByActor", "ByDay", "ByIndexKey"]


def test_a_ttl_attribute_is_an_epoch_number_of_the_model() -> None:
    for table in resources.TABLES:
        if table.ttl_attribute:
            attribute = _models_of(table)[0].get_attributes().get(table.ttl_attribute)
            assert isinstance(attribute, NumberAttribute), table.logical_id
