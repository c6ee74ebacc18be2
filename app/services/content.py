"""Organizer-written Markdown turned into safe HTML."""

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "code"}


def render_markdown(text: str | None) -> Markup:
    """Markdown as HTML with only harmless tags; links get rel=noopener."""
    html = markdown.markdown(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer"))
