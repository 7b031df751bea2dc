"""Parsing: the grammar, precedence and the error messages users see."""

from __future__ import annotations

import pytest

from core.query import QuerySyntaxError, parse
from core.query.ast import And, Handle, Hashtag, Lang, Near, Not, Or, Term


def test_precedence_not_binds_tighter_than_and_than_or():
    root = parse("a OR b c NOT d").root
    assert isinstance(root, Or)
    assert root.items[0] == Term("a", ("a",))
    assert isinstance(root.items[1], And)
    assert root.items[1].items[2] == Not(Term("d", ("d",)))


def test_operators_are_case_insensitive_and_quotes_make_them_words():
    assert parse("apple or samsung").root == parse("apple OR samsung").root
    assert parse("apple and not pie").root == parse("apple AND NOT pie").root
    quoted = parse('"not" apple').root
    assert isinstance(quoted, And) and quoted.items[0] == Term("not", ("not",), quoted=True)


def test_leaf_kinds():
    root = parse('#Galaxy @SamsungMobile lang:KO "Galaxy S24" NEAR/2 battery').root
    assert isinstance(root, And)
    assert root.items[0] == Hashtag("galaxy")
    assert root.items[1] == Handle("samsungmobile")
    assert root.items[2] == Lang("ko")
    near = root.items[3]
    assert isinstance(near, Near) and near.distance == 2
    assert near.left.tokens == ("galaxy", "s24")


def test_dash_is_not():
    assert parse("apple -pie").root == parse("apple NOT pie").root
    assert parse("apple -(pie OR juice)").root == parse("apple NOT (pie OR juice)").root
    # an inner hyphen is part of the word
    assert parse("t-mobile").root == Term("t-mobile", ("t", "mobile"))


def test_near_operands_may_be_an_or_of_terms():
    root = parse('(apple OR iphone) NEAR/5 "battery life"').root
    assert isinstance(root, Near) and isinstance(root.left, Or)


def test_str_round_trips():
    for text in ['a OR (b AND NOT "c d")', "(x OR y) NEAR/3 z", "#tag @who lang:ru"]:
        q = parse(text)
        assert parse(str(q)).root == q.root


@pytest.mark.parametrize(
    ("query", "column", "problem"),
    [
        ("", 1, "empty query"),
        ("   ", 4, "empty query"),
        ("apple AND (pie OR", 16, "OR needs a term after it, found the end of the query"),
        ("apple AND (pie OR tart", 23, "unclosed parenthesis opened at column 11"),
        ("(apple (pie)", 13, "unclosed parenthesis opened at column 1"),
        ("apple)", 6, "unmatched closing parenthesis"),
        ('apple "battery life', 20, "unclosed quote opened at column 7"),
        ("AND apple", 1, "AND needs a term before it"),
        ("apple OR OR pie", 7, "OR needs a term after it"),
        ("apple NOT", 7, "NOT needs a term after it"),
        ("apple ()", 7, "empty parentheses"),
        ("apple NEAR battery", 7, "NEAR needs a distance"),
        ("apple NEAR/x battery", 12, "NEAR distance must be a whole number"),
        ("apple NEAR/3 #battery", 14, "NEAR joins words"),
        ("a NEAR/3 b NEAR/2 c", 12, "NEAR cannot be chained"),
        ("apple lang:", 12, "bad language code"),
        ("apple lang:english1", 12, "bad language code"),
        ("from:apple", 1, "unknown operator 'from:'"),
        ("# apple", 1, "bad hashtag"),
        ("apple !!!", 7, "'!!!' has no letters, digits or emoji"),
        ('apple ""', 7, "empty phrase"),
        ("apple - pie", 7, "'-' must be followed by a term"),
        # A space before '~ru' left it standing alone: an error, not a search for the word "ru".
        ("~ru", 1, "'~ru' needs a word before it"),
        ("Люмора ~ru", 8, "'~ru' needs a word before it"),
        ('"Pizzeria Lumora" ~it', 19, "'~it' needs a word before it"),
        ("acme -~ru", 7, "'~ru' needs a word before it"),
    ],
)
def test_syntax_errors_name_column_and_problem(query, column, problem):
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    err = info.value
    assert err.position == column, str(err)
    assert problem in err.message
    assert str(err).startswith(f"column {column}: ")
    assert isinstance(err, ValueError)


def test_error_example_from_the_spec():
    with pytest.raises(QuerySyntaxError, match=r"^column 14: unclosed parenthesis opened at column 3$"):
        parse("a (b OR cider")


def test_urls_are_terms_not_field_operators():
    assert parse("https://example.com/launch").root.tokens == ("https", "example", "com", "launch")


def test_positive_terms_skip_negated_and_lang():
    q = parse('(Galaxy OR "갤럭시 S24" OR #삼성) NOT (ad OR @spam) lang:ko NOT NOT kept')
    assert q.positive_terms() == ["Galaxy", "갤럭시 S24", "#삼성", "kept"]


@pytest.mark.parametrize(
    "query",
    [
        "(" * 400 + "battery" + ")" * 400,  # RecursionError before the depth limit
        "-" * 3000 + "battery",  # the lexer recursed once per dash
        "NOT " * 400 + "battery",
        "(" * 33 + "a" + ")" * 33,
    ],
)
def test_deep_nesting_is_a_syntax_error_not_a_crash(query):
    with pytest.raises(QuerySyntaxError, match="nests too deeply: at most 32 levels"):
        parse(query)


def test_nesting_up_to_the_limit_parses_and_dashes_still_mean_not():
    assert parse("(" * 32 + "a" + ")" * 32).root == Term("a", ("a",))
    assert parse("--a").root == Not(Not(Term("a", ("a",))))
    assert parse("-(a b)").root == Not(And((Term("a", ("a",)), Term("b", ("b",)))))
