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
    if "\x00" in text:
        # A NUL is never in a text CSV (a UTF-16 or binary file renamed .csv); PostgreSQL would
        # refuse it in a text column, so it must not get that far.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileFormatError(f"第 {line} 行含有空字符（NUL），不是有效的文本文件；请另存为 UTF-8 编码的 CSV 或 .xlsx")
    # strict: a quote left open swallows the rest of the file into one cell, silently, unless
    # the reader is strict; then it is "unexpected end of data" and we name the row it opened on.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise FileFormatError("文件为空") from exc
    except csv.Error as exc:
        raise FileFormatError(f"第 1 行无法解析：{_reason(exc)}") from exc
    if len(header) > MAX_COLUMNS:
        raise FileFormatError(f"表头有 {len(header)} 列，超过 {MAX_COLUMNS} 列上限，请使用下载的模板")
    rows = []
    number = 1
    try:
        for number, values in enumerate(reader, start=2):  # noqa: B007 - read after the loop on errors
            if not any(v.strip() for v in values):
                continue
            rows.append((number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):  # the record after the last one read never ended
            raise FileFormatError(f"第 {number + 1} 行的引号没有闭合（从该行起直到文件末尾都在一对引号中），"
                                  "请检查该行的引号") from exc
        raise FileFormatError(f"第 {reader.line_num} 行无法解析：{_reason(exc)}") from exc
    return header, rows


# No template has more than a few dozen columns; a header of thousands is not ours.
MAX_COLUMNS = 200


def _reason(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"单元格内容超过 {csv.field_size_limit()} 个字符"
    return "格式错误（引号不匹配或含有非法字符），请另存为标准 CSV 文件"
