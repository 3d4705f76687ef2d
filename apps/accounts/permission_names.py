"""Chinese names for the model permissions.

Django names a model's default permissions "Can add 用户" when it creates them and never renames
them; this post_migrate receiver (connected in AccountsConfig.ready, after django.contrib.auth's
create_permissions for the same app) renames them 「可添加用户」, 「可修改用户」, 「可删除用户」,
「可查看用户」 from the model's Chinese name, and keeps custom permissions' names in step with
their Meta.permissions. It runs after every migrate, so a renamed model renames its permissions.
"""

from django.contrib.auth import get_permission_codename
from django.db import DEFAULT_DB_ALIAS
from django.utils import translation

ACTION_NAMES = {"add": "可添加", "change": "可修改", "delete": "可删除", "view": "可查看"}


def permission_name(action: str, verbose_name: str) -> str:
    """「可添加用户」; a space before a Latin name (「可添加 API 令牌」)."""
    prefix = ACTION_NAMES.get(action, action)
    space = " " if verbose_name[:1].isascii() else ""
    return f"{prefix}{space}{verbose_name}"[:255]


def wanted_names(models) -> dict[tuple[type, str], str]:
    """(model, codename) -> the Chinese name, for the models' default and custom permissions."""
    names = {}
    with translation.override("zh-hans"):
        for model in models:
            opts = model._meta
            for action in opts.default_permissions:
                names[(model, get_permission_codename(action, opts))] = permission_name(action, str(opts.verbose_name))
            for codename, name in opts.permissions:
                names[(model, codename)] = str(name)[:255]
    return names


def rename_permissions(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> int:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    names = wanted_names(sender.get_models())
    if not names:
        return 0
    types = ContentType.objects.db_manager(using).get_for_models(
        *{model for model, _ in names}, for_concrete_models=False)
    by_key = {(types[model].pk, codename): name for (model, codename), name in names.items()}
    changed = []
    for perm in Permission.objects.using(using).filter(content_type__in=types.values()):
        name = by_key.get((perm.content_type_id, perm.codename))
        if name and perm.name != name:
            perm.name = name
            changed.append(perm)
    Permission.objects.using(using).bulk_update(changed, ["name"])
    return len(changed)
