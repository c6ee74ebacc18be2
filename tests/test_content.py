"""Organizer-written Markdown is shown as safe HTML (rule 10)."""

from app.services.content import render_markdown


def test_markdown_keeps_formatting_and_links():
    html = render_markdown("**Tervetuloa** [ohjelma](https://example.org/ohjelma)\n\n- yksi\n- kaksi")
    assert "<strong>Tervetuloa</strong>" in html
    assert '<a href="https://example.org/ohjelma" rel="noopener noreferrer">ohjelma</a>' in html
    assert "<li>yksi</li>" in html


def test_markdown_drops_scripts_handlers_and_javascript_links():
    html = render_markdown(
        '<script>alert(1)</script><img src=x onerror=alert(2)>'
        '[klikkaa](javascript:alert(3)) <a href="#" onclick="alert(4)">x</a>'
    )
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert "<img" not in html


def test_empty_description_renders_nothing():
    assert render_markdown(None) == ""
