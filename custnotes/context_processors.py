"""Template context every page needs: the navigation, filtered to what the user may open."""

from custnotes.registry import registry


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": registry.nav_for(user)}
