"""Reading uploaded prompt sets: CSV and JSONL, with clear reasons for bad rows."""

import json

import pytest

from core.errors import PromptSetInvalid
from core.prompt_sets import RowProblem, parse_prompt_set


def test_csv_with_id_and_system_prompt():
    data = b'id,system,prompt\nq1,Be brief.,"What is 2+2?"\nq2,,"Two\nlines"\n'
    prompts = parse_prompt_set("set.csv", data).prompts
    assert [(p.external_id, p.system_prompt, p.prompt) for p in prompts] == [
        ("q1", "Be brief.", "What is 2+2?"),
        ("q2", None, "Two\nlines"),
    ]


def test_single_column_csv_without_header_is_one_prompt_per_line():
    prompts = parse_prompt_set("list.csv", b"First question\nSecond question\n").prompts
    assert [(p.external_id, p.prompt) for p in prompts] == [
        ("1", "First question"),
        ("2", "Second question"),
    ]


def test_excel_exports_bom_and_chinese_encoding():
    bom = "\ufeffprompt\n你好\n".encode()
    assert parse_prompt_set("a.csv", bom).prompts[0].prompt == "你好"
    gbk = "question\n用中文解释量子计算\n".encode("gb18030")
    assert parse_prompt_set("b.csv", gbk).prompts[0].prompt == "用中文解释量子计算"


def test_jsonl_objects_and_strings():
    lines = [
        json.dumps({"id": 7, "prompt": "Hello", "system_prompt": "Answer in French."}),
        json.dumps("Just a string"),
        "",
    ]
    prompts = parse_prompt_set("set.jsonl", "\n".join(lines).encode()).prompts
    assert [(p.external_id, p.prompt, p.system_prompt) for p in prompts] == [
        ("7", "Hello", "Answer in French."),
        ("2", "Just a string", None),
    ]


def test_a_json_array_is_accepted_too():
    data = json.dumps([{"id": "a", "prompt": "One"}, "Two", 3], indent=2).encode()
    result = parse_prompt_set("set.json", data)
    assert [p.prompt for p in result.prompts] == ["One", "Two"]
    assert result.problems == (RowProblem(3, "not_object"),)


def test_bad_rows_are_reported_with_their_line_and_the_rest_is_kept():
    lines = [
        json.dumps({"id": "a", "prompt": "Good"}),
        "{not json",
        json.dumps({"id": "b", "text": "no prompt key"}),
        json.dumps({"id": "a", "prompt": "Same id again"}),
        json.dumps([1, 2]),
        json.dumps({"prompt": "   "}),
    ]
    result = parse_prompt_set("set.jsonl", "\n".join(lines).encode())
    assert [p.prompt for p in result.prompts] == ["Good"]
    assert result.problems == (
        RowProblem(2, "bad_json"),
        RowProblem(3, "no_prompt"),
        RowProblem(4, "duplicate_id"),
        RowProblem(5, "not_object"),
        RowProblem(6, "no_prompt"),
    )


def test_csv_rows_without_a_prompt_are_reported():
    result = parse_prompt_set("set.csv", b"id,prompt\n1,Fine\n2,\n3,Also fine\n")
    assert [p.external_id for p in result.prompts] == ["1", "3"]
    assert result.problems == (RowProblem(3, "no_prompt"),)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("set.csv", b"", "empty"),
        ("set.csv", b"id,text\n1,hello\n", "no_prompt_column"),
        ("set.jsonl", b"{bad\n{worse\n", "no_prompts"),
        ("set.csv", b"\xff\xfe\x00\x81\x00", "not_text"),
        ("set.json", b"[1, 2", "bad_json"),
    ],
)
def test_unusable_files_say_why(name, data, reason):
    with pytest.raises(PromptSetInvalid) as refused:
        parse_prompt_set(name, data)
    assert refused.value.detail == reason


def test_references_rubrics_and_assertions_are_read_with_the_prompt():
    data = (
        b"id,prompt,expected,rubric,contains,regex,json_schema,max_latency_s\n"
        b"q1,Capital of France?,Paris,Names the city,paris,,,5\n"
        b'q2,Give JSON,,,,,"{""type"": ""object""}",\n'
        b"q3,Bad pattern,,,,(unclosed,,\n"
    )
    parsed = parse_prompt_set("judged.csv", data)
    first, second = parsed.prompts
    assert (first.expected, first.rubric) == ("Paris", "Names the city")
    assert json.loads(first.assertions) == {"contains": ["paris"], "max_latency_s": 5.0}
    assert json.loads(second.assertions) == {"json_schema": {"type": "object"}}
    assert parsed.problems == (RowProblem(4, "bad_assertion"),)


def test_jsonl_assert_object_may_hold_several_values():
    line = {"prompt": "Name two colours", "assert": {"contains": ["red", "blue"], "json": False}}
    (prompt,) = parse_prompt_set("s.jsonl", json.dumps(line).encode()).prompts
    assert json.loads(prompt.assertions) == {"contains": ["red", "blue"]}
    assert prompt.expected is None
