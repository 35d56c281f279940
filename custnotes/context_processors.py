"""Template context every page needs: the navigation, filtered to what the user may open."""

from custnotes.registry import registry


def navigation(request):
    """The menu with its badges, computed once per request: templates rendered per table cell
    (template columns) run the context processors again and must not repeat the queries."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    menu = getattr(request, "_custnotes_nav_menu", None)
    if menu is None:
        menu = []
        for group, items in registry.nav_menu_for(user):
            entries = [(item, item.badge(user) if item.badge else 0) for item in items]
            menu.append((group, entries, sum(count for _item, count in entries)))
        request._custnotes_nav_menu = menu
    return {"nav_menu": menu}
