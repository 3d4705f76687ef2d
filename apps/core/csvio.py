"""Reading the CSV files Chinese offices produce: UTF-8 with or without BOM, or GB18030."""

import csv
import io


class FileFormatError(ValueError):
    pass


def decode_bytes(data: bytes) -> str:
    """UTF-8 (BOM or not) first, then GB18030, the superset of GBK that Chinese Excel writes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileFormatError("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV 文件") from exc


def read_csv_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (row number, row dict) pairs; row numbers count the header as row 1, as Excel
    shows them. Blank lines are skipped."""
    text = decode_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise FileFormatError("文件为空") from exc
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    return header, rows
