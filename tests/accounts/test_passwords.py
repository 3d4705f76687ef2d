"""Password policy: length, classes, username, history; messages in Chinese."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from apps.accounts.passwords import password_set

pytestmark = pytest.mark.django_db


def messages_for(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1#xyz", "至少需要 10 个字符"),
    ("abcdefghijk1", "至少 3 类"),
    ("ABCDEFGH!!!!", "至少 3 类"),
])
def test_it_refuses_weak_passwords_in_chinese(password, message):
    assert message in messages_for(password)


def test_it_accepts_three_of_four_classes():
    assert messages_for("qingyuan-2027x") == ""
    assert messages_for("Qingyuan2027X") == ""


def test_it_refuses_a_password_containing_the_username(people):
    assert "不能包含用户名" in messages_for("My-township-2027", people["township"])


def test_it_refuses_the_last_five_passwords_but_not_the_sixth(people):
    user = people["township"]
    used = [f"Rotation#{n}-2027" for n in range(6)]
    for password in used:
        password_set(user=user, raw_password=password, by_self=True)
    for password in used[1:]:
        assert "最近 5 次" in messages_for(password, user), password
    assert messages_for(used[0], user) == ""
    assert user.password_history.count() == 5
