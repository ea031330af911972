"""Generate src/menshen/text/data/pinyin.tsv: the toneless readings of every Han character.

Usage: ``pip install pypinyin && python scripts/gen_pinyin_table.py``

Source: pypinyin's character dictionary (MIT licence). Shipping the small table instead of
importing pypinyin at run time saves about 0.5 s and 50 MB per process; all readings of a
heteronym are kept, so a keyword's pinyin spellings cover each way users may write it.
"""

from __future__ import annotations

from pathlib import Path

from pypinyin import Style, pinyin
from pypinyin.pinyin_dict import pinyin_dict

OUT = Path(__file__).resolve().parents[1] / "src/menshen/text/data/pinyin.tsv"


def main() -> None:
    rows = []
    for cp in sorted(pinyin_dict):
        ch = chr(cp)
        readings: list[str] = []
        for reading in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]:
            reading = reading.replace("ü", "v")
            if reading.isascii() and reading.isalpha() and reading not in readings:
                readings.append(reading)
        if readings:
            rows.append(f"{ch}\t{','.join(readings)}")
    header = "# Han character → toneless pinyin readings (default first); from pypinyin (MIT).\n"
    OUT.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} characters to {OUT}")


if __name__ == "__main__":
    main()
