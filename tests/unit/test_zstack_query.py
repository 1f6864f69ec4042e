"""Unit tests of the ZStack query engine (emulators/zstack/query.py)."""

from __future__ import annotations

import pytest

from emulators.zstack.query import Condition, QueryError, parse_condition, run_query

FIELDS = ("uuid", "name", "cpuNum", "state", "createDate", "inherent", "description", "serial")

ROWS = [
    {"uuid": "u1", "name": "IntelCoreI7", "cpuNum": 8, "state": "Running", "createDate": "Apr 24, 2017 7:10:55 PM",
     "inherent": False, "description": None, "serial": "12345678901234567890123456789012"},
    {"uuid": "u2", "name": "IntelCoreM7", "cpuNum": 10, "state": "Stopped", "createDate": "May 11, 2017 1:22:44 PM",
     "inherent": True, "description": "db", "serial": "12345678901234567890123456789013"},
    {"uuid": "u3", "name": "AMD_Ryzen", "cpuNum": 2.0, "state": "Running", "createDate": "Jan 6, 2017 3:51:16 AM",
     "inherent": False, "description": "web 50%", "serial": "9"},
    {"uuid": "u4", "name": "web=a!=b", "cpuNum": 9, "state": "Stopped", "createDate": "Jan 6, 2017 3:51:17 AM",
     "inherent": False, "description": None, "serial": "10"},
]


def uuids(answer: dict) -> list[str]:
    return [row["uuid"] for row in answer["inventories"]]


def query(*conditions: str, **params: str | list[str]) -> dict:
    query_params = {name: value if isinstance(value, list) else [value] for name, value in params.items()}
    if conditions:
        query_params["q"] = list(conditions)
    return run_query(ROWS, query_params, FIELDS)


# --- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("name=vm1", Condition("name", "=", "vm1")),
    ("name!=vm1", Condition("name", "!=", "vm1")),
    ("cpuNum>5", Condition("cpuNum", ">", "5")),
    ("cpuNum<5", Condition("cpuNum", "<", "5")),
    ("cpuNum>=5", Condition("cpuNum", ">=", "5")),
    ("cpuNum<=5", Condition("cpuNum", "<=", "5")),
    ("uuid?=a,b", Condition("uuid", "?=", "a,b")),
    ("name!?=VM1,VM2", Condition("name", "!?=", "VM1,VM2")),
    ("name~=IntelCore%", Condition("name", "~=", "IntelCore%")),
    ("name!~=IntelCore_7", Condition("name", "!~=", "IntelCore_7")),
    ("name is null", Condition("name", "is null")),
    ("name not null", Condition("name", "not null")),
    ("vmNics.ip=10", Condition("vmNics.ip", "=", "10")),
])
def test_parse_condition_splits_at_the_operator_as_written(text, expected):
    assert parse_condition(text) == expected


def test_parse_condition_keeps_operators_inside_the_value():
    assert parse_condition("tag=a!=b") == Condition("tag", "=", "a!=b")
    assert parse_condition("tag!=x=y") == Condition("tag", "!=", "x=y")
    assert parse_condition("name=my vm is null") == Condition("name", "=", "my vm is null")
    with pytest.raises(QueryError, match="spaces around its operator"):
        parse_condition("description= padded ")  # no space may stand between field, operator and value


def test_parse_condition_without_an_operator_is_refused():
    with pytest.raises(QueryError) as error:
        parse_condition("name:vm1")
    assert error.value.parameter == "q"


# --- operators -----------------------------------------------------------------------------------

def test_equal_and_not_equal():
    assert uuids(query("state=Running")) == ["u1", "u3"]
    assert uuids(query("state!=Running")) == ["u2", "u4"]
    assert uuids(query("name=web=a!=b")) == ["u4"]


def test_conditions_are_anded():
    assert uuids(query("state=Running", "cpuNum>4")) == ["u1"]


def test_numbers_compare_as_numbers():
    assert uuids(query("cpuNum>8")) == ["u2", "u4"]
    assert uuids(query("cpuNum>=8")) == ["u1", "u2", "u4"]
    assert uuids(query("cpuNum<9")) == ["u1", "u3"]
    assert uuids(query("cpuNum<=2")) == ["u3"]
    assert uuids(query("cpuNum=2")) == ["u3"]  # 2.0 equals 2
    assert uuids(query("serial>9")) == ["u1", "u2", "u4"]  # "10" > "9" as numbers, not as text


def test_long_numeric_strings_compare_exactly():
    assert uuids(query("serial=12345678901234567890123456789012")) == ["u1"]


def test_dates_compare_as_dates():
    assert uuids(query("createDate>Apr 1, 2017 12:00:00 AM")) == ["u1", "u2"]
    assert uuids(query("createDate<2017-01-06 03:51:17")) == ["u3"]
    assert uuids(query("createDate=2017-01-06 03:51:16")) == ["u3"]


def test_booleans_read_as_true_and_false():
    assert uuids(query("inherent=true")) == ["u2"]
    assert uuids(query("inherent=FALSE")) == ["u1", "u3", "u4"]


def test_in_and_not_in():
    assert uuids(query("uuid?=u1,u3")) == ["u1", "u3"]
    assert uuids(query("name!?=IntelCoreI7,IntelCoreM7")) == ["u3", "u4"]


def test_like_follows_sql():
    assert uuids(query("name~=IntelCore%")) == ["u1", "u2"]
    assert uuids(query("name~=IntelCore_7")) == ["u1", "u2"]
    assert uuids(query("name~=intelcore%")) == []  # case-sensitive
    assert uuids(query("name~=AMD\\_%")) == ["u3"]  # escaped underscore is literal
    assert uuids(query("description~=%50\\%")) == ["u3"]
    assert uuids(query("name!~=IntelCore%")) == ["u3", "u4"]


def test_null_tests_and_sql_null_semantics():
    assert uuids(query("description is null")) == ["u1", "u4"]
    assert uuids(query("description not null")) == ["u2", "u3"]
    assert uuids(query("description!=db")) == ["u3"]  # a null never matches a comparison
    assert uuids(query("description!?=db")) == ["u3"]
    assert uuids(query("description!~=x%")) == ["u2", "u3"]


def test_legacy_condition_parameter_and_empty_conditions():
    assert uuids(run_query(ROWS, {"condition": ["state=Stopped"], "q": [""]}, FIELDS)) == ["u2", "u4"]


def test_unknown_field_in_a_condition_is_refused():
    with pytest.raises(QueryError) as error:
        query("colour=red")
    assert error.value.parameter == "q"
    assert "colour" in str(error.value)


def test_unrelated_parameters_are_ignored():
    assert uuids(query("state=Running", sessionId="abc", systemTags="x")) == ["u1", "u3"]


# --- paging, counting -------------------------------------------------------------------------------

def test_limit_and_start_page_through_the_rows():
    assert uuids(query(limit="2")) == ["u1", "u2"]
    assert uuids(query(limit="2", start="2")) == ["u3", "u4"]
    assert uuids(query(start="3")) == ["u4"]
    assert uuids(query(start="9")) == []
    assert uuids(query(limit="0")) == []


def test_default_limit_is_1000():
    rows = [{"uuid": str(index)} for index in range(1500)]
    assert len(run_query(rows, {}, ("uuid",))["inventories"]) == 1000


@pytest.mark.parametrize(("name", "value"), [("limit", "-1"), ("limit", "ten"), ("start", "-5"), ("start", "1.5")])
def test_invalid_limit_or_start_is_refused(name, value):
    with pytest.raises(QueryError) as error:
        query(**{name: value})
    assert error.value.parameter == name


def test_count_answers_the_total_only():
    assert query("state=Running", count="true") == {"total": 2}
    assert "inventories" in query(count="false")


def test_reply_with_count_adds_the_total_to_a_page():
    answer = query(limit="1", replyWithCount="true")
    assert answer["total"] == 4
    assert uuids(answer) == ["u1"]
    assert "total" not in query(limit="1")


def test_invalid_boolean_is_refused():
    with pytest.raises(QueryError) as error:
        query(count="yes")
    assert error.value.parameter == "count"


# --- sorting, fields, grouping -----------------------------------------------------------------------

def test_sort_ascending_and_descending():
    assert uuids(query(sort="+cpuNum")) == ["u3", "u1", "u4", "u2"]
    assert uuids(query(sort="-cpuNum")) == ["u2", "u4", "u1", "u3"]
    assert uuids(query(sort=" cpuNum")) == ["u3", "u1", "u4", "u2"]  # an unencoded '+' arrives as a space
    assert uuids(query(sort="name")) == ["u3", "u1", "u2", "u4"]


def test_sort_by_dates_and_nulls_first():
    assert uuids(query(sort="+createDate")) == ["u3", "u4", "u1", "u2"]
    assert uuids(query(sort="+description"))[:2] == ["u1", "u4"]
    assert uuids(query(sort="-description"))[2:] == ["u1", "u4"]


def test_sort_by_and_sort_direction():
    assert uuids(query(sortBy="cpuNum", sortDirection="desc")) == ["u2", "u4", "u1", "u3"]
    assert uuids(query(sortBy="cpuNum")) == ["u3", "u1", "u4", "u2"]


@pytest.mark.parametrize(("params", "parameter"), [
    ({"sort": "+colour"}, "sort"),
    ({"sortBy": "colour"}, "sortBy"),
    ({"sortBy": "name", "sortDirection": "up"}, "sortDirection"),
    ({"sortDirection": "asc"}, "sortDirection"),
])
def test_invalid_sorting_is_refused(params, parameter):
    with pytest.raises(QueryError) as error:
        query(**params)
    assert error.value.parameter == parameter


def test_fields_select_columns_comma_separated_or_repeated():
    assert query("uuid=u1", fields="uuid,name")["inventories"] == [{"uuid": "u1", "name": "IntelCoreI7"}]
    assert query("uuid=u2", fields=["state", "uuid"])["inventories"] == [{"state": "Stopped", "uuid": "u2"}]


def test_unknown_field_in_fields_is_refused():
    with pytest.raises(QueryError) as error:
        query(fields="uuid,colour")
    assert error.value.parameter == "fields"


def test_group_by_keeps_the_first_row_of_each_group():
    assert uuids(query(groupBy="state")) == ["u1", "u2"]
    assert uuids(query(groupBy="state", sort="-cpuNum")) == ["u2", "u1"]
    assert query(groupBy="state", count="true") == {"total": 2}
    with pytest.raises(QueryError):
        query(groupBy="colour")


def test_rows_are_copied_not_shared():
    answer = query("uuid=u1")
    answer["inventories"][0]["name"] = "changed"
    assert ROWS[0]["name"] == "IntelCoreI7"


# --- __systemTag__ and __userTag__ ----------------------------------------------------------------

TAGS = {
    "__systemTag__": {"u1": ["staticIp:127.0.0.20", "ha::NeverStop"], "u2": ["staticIp:127.0.0.21"]},
    "__userTag__": {"u3": ["tier::web"], "u4": ["tier::db", "owner::ops"]},
}


def tag_query(*conditions: str) -> list[str]:
    return uuids(run_query(ROWS, {"q": list(conditions)}, FIELDS, TAGS))


@pytest.mark.parametrize(("condition", "expected"), [
    ("__systemTag__=staticIp:127.0.0.20", ["u1"]),
    ("__systemTag__!=staticIp:127.0.0.20", ["u2", "u3", "u4"]),
    ("__systemTag__?=staticIp:127.0.0.21,ha::NeverStop", ["u1", "u2"]),
    ("__systemTag__!?=staticIp:127.0.0.21,ha::NeverStop", ["u3", "u4"]),
    ("__systemTag__~=staticIp:%", ["u1", "u2"]),
    ("__systemTag__!~=staticIp:%", ["u3", "u4"]),
    ("__systemTag__>staticIp:127.0.0.20", ["u2"]),
    ("__systemTag__>=staticIp:127.0.0.20", ["u1", "u2"]),
    ("__systemTag__<ha::O", ["u1"]),
    ("__systemTag__<=ha::NeverStop", ["u1"]),
    ("__systemTag__ not null", ["u1", "u2"]),
    ("__systemTag__ is null", ["u3", "u4"]),
    ("__userTag__=tier::db", ["u4"]),
    ("__userTag__~=tier::%", ["u3", "u4"]),
    ("__userTag__ is null", ["u1", "u2"]),
])
def test_tag_conditions_select_resources_by_their_tags(condition, expected):
    assert tag_query(condition) == expected


def test_tag_conditions_combine_with_the_resource_fields():
    assert tag_query("__systemTag__~=staticIp:%", "state=Running") == ["u1"]
    assert tag_query("__userTag__=tier::web", "__systemTag__ is null") == ["u3"]


def test_tag_conditions_without_any_tag_index_match_as_untagged():
    assert uuids(run_query(ROWS, {"q": ["__userTag__ is null"]}, FIELDS)) == ["u1", "u2", "u3", "u4"]
    assert run_query(ROWS, {"q": ["__userTag__=x"]}, FIELDS)["inventories"] == []


@pytest.mark.parametrize("parameter", ["fields", "sort", "groupBy", "sortBy"])
def test_tag_conditions_are_not_fields_to_select_sort_or_group_on(parameter):
    with pytest.raises(QueryError) as err:
        run_query(ROWS, {parameter: ["__systemTag__"]}, FIELDS, TAGS)
    assert err.value.parameter == parameter and "__systemTag__" in err.value.reason
