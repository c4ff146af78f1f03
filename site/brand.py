"""The brand colours: strict hex values, their WCAG contrast, and the stylesheet that hands them
to the site's and the consent banner's CSS as custom properties.

The colours reach pages through /brand.css, a stylesheet of the site's own origin (the
CSP's style-src 'self'), not through a style attribute or an inline <style>, which the
policy refuses. Only values that match the strict hex pattern are ever written into it, so
nothing an editor types can end a declaration or open another rule.
"""

import hashlib
import re

from django.core.exceptions import ValidationError

# The site's own colours (static/css/site.css), used where no brand colour is set.
DEFAULT_PRIMARY = "#1f4f46"
DEFAULT_PRIMARY_TEXT = "#ffffff"
# The backgrounds links are read on: the page (--paper) and the header, footer and cards.
LINK_BACKGROUNDS = ("#fbf8f3", "#ffffff")

# WCAG 2.2 SC 1.4.3 (Contrast, Minimum, level AA): 4.5:1 for text of normal size.
AA_TEXT_CONTRAST = 4.5

HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# What a stored value must be before it is written into CSS: normalised, nothing else.
STORED_COLOUR = re.compile(r"#[0-9a-f]{6}")

HEX_MESSAGE = "Enter a colour as a hex code: # followed by 6 (or 3) digits 0–9 and letters a–f."


def validate_hex_colour(value):
    if not isinstance(value, str) or not HEX_COLOUR.fullmatch(value):
        raise ValidationError(HEX_MESSAGE, code="invalid_colour")


def normalise(value: str) -> str:
    """`#ABC` → `#aabbcc`; blank stays blank. Assumes a value `validate_hex_colour` passed."""
    value = (value or "").strip().lower()
    if len(value) == 4:
        value = "#" + "".join(digit * 2 for digit in value[1:])
    return value


def channels(colour: str) -> tuple[int, int, int]:
    colour = normalise(colour)
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.2's contrast ratio, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shown_ratio(ratio: float) -> str:
    """Rounded down, so a pair just below the line never reads as "4.5:1"."""
    return f"{int(ratio * 10) / 10:.1f}"


def contrast_error(background: str, text: str) -> str | None:
    ratio = contrast_ratio(background, text)
    if ratio >= AA_TEXT_CONTRAST:
        return None
    return (
        f"Contrast {shown_ratio(ratio)}:1 is below the {AA_TEXT_CONTRAST}:1 WCAG AA needs for "
        "text; pick a darker or lighter colour."
    )


def mix(colour: str, towards: str, share: float) -> str:
    """`colour` moved `share` of the way to `towards`."""
    mixed = (
        round(a + (b - a) * share) for a, b in zip(channels(colour), channels(towards), strict=True)
    )
    return "#" + "".join(f"{c:02x}" for c in mixed)


def hover_colour(background: str, text: str) -> str:
    """The background of a hovered button: moved away from its text colour, so the
    hovered pair has more contrast, never less."""
    away = "#000000" if relative_luminance(text) > relative_luminance(background) else "#ffffff"
    return mix(background, away, 0.2)


def custom_properties(primary: str, primary_text: str) -> dict[str, str]:
    """The CSS custom properties of a brand colour pair; {} unless both are stored hex
    values. Links take the colour only where it can be read on the page's backgrounds."""
    if not (STORED_COLOUR.fullmatch(primary or "") and STORED_COLOUR.fullmatch(primary_text or "")):
        return {}
    properties = {
        "--brand": primary,
        "--brand-ink": primary_text,
        "--brand-hover": hover_colour(primary, primary_text),
    }
    if all(contrast_ratio(primary, bg) >= AA_TEXT_CONTRAST for bg in LINK_BACKGROUNDS):
        properties["--accent"] = primary
    return properties


def stylesheet(properties: dict[str, str]) -> str:
    declarations = "".join(f"{name}:{value};" for name, value in properties.items())
    return f":root{{{declarations}}}\n" if declarations else ""


def version(properties: dict[str, str]) -> str:
    """A short digest of the colours, for the stylesheet's address: a new pair is a new
    URL, so browsers may keep each one for a year."""
    return hashlib.sha256(stylesheet(properties).encode()).hexdigest()[:12]
