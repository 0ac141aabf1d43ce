import pytest

from coach.errors import InputError
from coach.inputs import check_text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 101, "limit is 100"),
        ("abc\x00def", "binary"),
        ("\x01\x02\x03\x04\x05\x06 hello", "binary"),
        (b"bytes", "must be text"),
        (None, "must be text"),
    ],
)
def test_bad_input_is_refused_clearly(value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_text(value, max_chars=100)


def test_good_text_is_returned_unchanged() -> None:
    text = "  You never call me back 😞\nCan we talk?  "
    assert check_text(text, max_chars=100) == text


def test_refusal_never_quotes_the_text() -> None:
    secret = "my private secret " * 10
    with pytest.raises(InputError) as info:
        check_text(secret, max_chars=20)
    assert "secret" not in str(info.value)
