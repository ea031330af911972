#!/usr/bin/env python3
"""Generate the text-normalisation tables in ``src/menshen/text/data``.

Usage (from the repository root, inside the project venv)::

    pip install opencc confusable-homoglyphs pypinyin   # generation-time only
    python scripts/gen_text_tables.py                   # rewrite all tables
    python scripts/gen_text_tables.py --check           # exit 1 if a table is stale
    python scripts/gen_text_tables.py --only t2s confusables
    python scripts/gen_text_tables.py --out-dir /tmp/tables   # write elsewhere

Tables written (UTF-8, ``#`` comment header, then one entry per line, sorted by
code point / alphabetically so that regeneration gives byte-identical output):

``t2s.tsv``
    ``trad<TAB>simp``: one code point each side.  Every code point in the CJK
    ranges (U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+20000-2FA1F) is run through
    ``opencc.OpenCC("t2s")``; if that leaves it unchanged, ``hk2s`` and ``tw2s`` are
    tried, but a variant-only result is kept only when the source is not in
    GB2312 and the result is (so tw2s's 么->幺 and 著->着 are not taken).
    CJK compatibility ideographs come out mapped through OpenCC's normalisation
    step.  Chains are collapsed and targets that are confusables sources are
    rewritten, so t2s and confusables can be applied in either order.

``confusables.tsv``
    ``from<TAB>to``: one code point each side.
    (a) Latin look-alikes to ASCII ``a-z0-9``, from NFKC (fullwidth, math
    alphanumerics, circled letters, superscripts...), from Unicode character
    names (small capitals, negative squared/circled letters) and from the
    Unicode ``confusables.txt`` data bundled in the ``confusable-homoglyphs``
    package (Cyrillic/Greek/Cherokee/... letters).  ASCII is never a source;
    letters never map to digits; non-ASCII digits map only to their own value.
    (b) CJK: Kangxi radicals, enclosed/circled ideographs (NFKC), selected CJK
    radical-supplement forms, Japanese shinjitai (OpenCC ``jp2t`` then ``t2s``)
    and the hand-curated ``CJK_CONFUSABLES`` below.  Every CJK source is a
    character outside GB2312 level 1 and every CJK target is a GB2312 level-1
    (i.e. common simplified) character, so no common character is ever
    rewritten into another common character.

``homophones.tsv``
    ``char<TAB>alternatives`` (concatenated): hand-curated ``HOMOPHONES`` below,
    checked with pypinyin (each alternative must share a toneless reading with
    the char, allowing the usual fuzzy pairs zh/z, ch/c, sh/s, n/l, -ng/-n).

``split_chars.tsv``
    ``char<TAB>components``: hand-curated ``SPLIT_CHARS`` below.

``pinyin_syllables.txt``
    One toneless Mandarin syllable per line (``PINYIN_SYLLABLES`` below: the
    toneless readings pypinyin gives to GB2312 characters, minus the syllabic
    nasals m/n/ng/hng and the bogus "len", plus the ``lue``/``nue`` spellings
    next to pypinyin's ``lv``/``lve``/``nv``/``nve``).

To add curated entries edit the dictionaries in this file and rerun it; do not
edit the generated ``.tsv`` files by hand (``--check`` will flag it).  The
output depends on the installed OpenCC, confusable-homoglyphs and pypinyin
versions and on Python's ``unicodedata`` version; these are recorded in each
header.  See docs/normalization-tables.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "src" / "menshen" / "text" / "data"

CJK_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)]

# ---------------------------------------------------------------------------
# Hand-curated data
# ---------------------------------------------------------------------------

# Rare character -> common simplified character it imitates (variant forms and
# look-alikes seen in filter evasion).  Sources must be outside GB2312 level 1,
# targets inside it.  Entries that OpenCC t2s already maps are skipped.
CJK_CONFUSABLES: dict[str, str] = {
    # look-alikes / variants of characters found in harmful keywords
    "祼": "裸",  # guàn (ritual), 礻 instead of 衤
    "躶": "裸",
    "臝": "裸",
    "毐": "毒",  # ǎi
    "氷": "冰",
    "仌": "冰",
    "愽": "博",
    "胷": "胸",
    "滛": "淫",
    "婬": "淫",
    "儍": "傻",
    "撡": "操",
    "艸": "草",
    "隂": "阴",
    "蔴": "麻",
    "痲": "麻",
    "鎗": "枪",
    "砲": "炮",
    "姧": "奸",
    "偪": "逼",
    "騗": "骗",
    "刧": "劫",
    "刼": "劫",
    "刦": "劫",
    "刄": "刃",
    "鬭": "斗",
    "鬬": "斗",
    "嬭": "奶",
    "妳": "你",
    "迯": "逃",
    "衺": "邪",
    # 衤/礻 look-alikes
    "褔": "福",
    "袓": "祖",
    # 口/囗 and other simple look-alikes
    "囗": "口",
    "夲": "本",
    "兲": "天",
    "囯": "国",
    "卋": "世",
    "丗": "世",
    "氺": "水",
    "叧": "另",
    "亰": "京",
    "凣": "凡",
    "朩": "木",
    "靑": "青",
    "淸": "清",
    "冐": "冒",
    "呌": "叫",
    "噐": "器",
    "尙": "尚",
    "靣": "面",
    "吿": "告",
    "兎": "兔",
    "冣": "最",
    "兊": "兑",
    "恠": "怪",
    "寃": "冤",
    "冨": "富",
    "宼": "寇",
    "虗": "虚",
    "觧": "解",
    "鼔": "鼓",
    "塲": "场",
    "妬": "妒",
    "亊": "事",
    "乕": "虎",
    "昬": "昏",
    "栢": "柏",
    "槑": "梅",
    "畧": "略",
    "疎": "疏",
    "窓": "窗",
    "羙": "美",
    "肎": "肯",
    "覩": "睹",
    "踨": "踪",
    "躰": "体",
    "閙": "闹",
    "隷": "隶",
    "鼡": "鼠",
    "犇": "奔",
    "埜": "野",
    "姪": "侄",
    "壻": "婿",
    "婣": "姻",
    "秊": "年",
    "朞": "期",
    "桒": "桑",
    "琹": "琴",
    "畱": "留",
    "皐": "皋",
    "砿": "矿",
    "祘": "算",
    "秌": "秋",
    "稾": "稿",
    "緫": "总",
    "羮": "羹",
    "翺": "翱",
    "聦": "聪",
    "脃": "脆",
    "莭": "节",
    "蓺": "艺",
    "賔": "宾",
    "遉": "侦",
    "靭": "韧",
    "鞌": "鞍",
    "飬": "养",
    "驘": "骡",
    "麤": "粗",
    "灋": "法",
    "煑": "煮",
    "猨": "猿",
    "菓": "果",
    "舩": "船",
    # kana / bopomofo shaped like common hanzi (e.g. ロ for 口)
    "ロ": "口",
    "エ": "工",
    "カ": "力",
    "ニ": "二",
    "ハ": "八",
    "タ": "夕",
    "ト": "卜",
    "チ": "千",
    "ヌ": "又",
    "ー": "一",
    "ㄧ": "一",
    "ㄚ": "丫",
    "ㄦ": "儿",
}

# CJK Radicals Supplement (U+2E80-2EFF) forms that read as a whole character.
# (Most have no NFKC decomposition, so they are listed by hand.)
CJK_RADICAL_SUPPLEMENT: dict[str, str] = {
    "⺁": "厂",
    "⺇": "几",
    "⺊": "卜",
    "⺜": "日",
    "⺝": "月",
    "⺠": "民",
    "⺩": "王",
    "⺬": "示",
    "⺼": "月",
    "⻄": "西",
    "⻅": "见",
    "⻆": "角",
    "⻇": "角",
    "⻉": "贝",
    "⻋": "车",
    "⻑": "长",
    "⻓": "长",
    "⻔": "门",
    "⻗": "雨",
    "⻘": "青",
    "⻙": "韦",
    "⻚": "页",
    "⻛": "风",
    "⻜": "飞",
    "⻝": "食",
    "⻢": "马",
    "⻣": "骨",
    "⻤": "鬼",
    "⻥": "鱼",
    "⻦": "鸟",
    "⻧": "卤",
    "⻨": "麦",
    "⻩": "黄",
    "⻫": "齐",
    "⻬": "齐",
    "⻭": "齿",
    "⻮": "齿",
    "⻯": "龙",
    "⻰": "龙",
    "⻱": "龟",
    "⻲": "龟",
}

# Characters from harmful-content keywords -> homophones / near-homophones that
# users substitute for them.  Used on the keyword side; at most 4 per char.
HOMOPHONES: dict[str, str] = {
    # sexual / vulgar
    "色": "涩瑟啬",
    "情": "晴请",
    "裸": "倮",
    "性": "姓幸杏兴",
    "淫": "银阴吟",
    "黄": "皇簧凰",
    "嫖": "瓢飘漂",
    "娼": "昌猖倡",
    "妓": "技伎纪记",
    "卖": "麦迈",
    "春": "椿蠢",
    "爱": "艾碍哎",
    "约": "曰月悦",
    "炮": "泡袍跑",
    "交": "胶娇教浇",
    "奸": "尖间坚煎",
    "骚": "搔臊扫",
    "操": "草曹糙槽",
    "干": "淦",
    "逼": "比笔哔币",
    "贱": "剑见践溅",
    "婊": "表裱",
    "乳": "汝辱",
    "胸": "兄凶匈",
    "屁": "辟僻",
    "股": "谷骨鼓",
    "臀": "屯豚囤",
    "射": "社涉摄舍",
    "精": "经京晶",
    "液": "夜叶页",
    "毛": "猫茅",
    "片": "骗篇偏",
    "鸡": "机基姬",
    "鸭": "丫压押",
    "援": "元园圆原",
    "夜": "页叶业",
    "包": "苞胞煲",
    "养": "痒氧仰",
    "露": "路鹿录",
    "脱": "拖托",
    "奶": "乃",
    "阴": "音因殷",
    "道": "到倒盗",
    "茎": "经京",
    "屌": "吊鸟",
    "妈": "吗嘛麻马",
    "浪": "狼郎朗",
    "荡": "当档挡",
    "欲": "玉育遇",
    "做": "作坐座",
    "床": "闯窗",
    "睡": "水税",
    "舔": "添甜",
    "高": "膏糕",
    "潮": "巢朝嘲",
    "摸": "膜魔磨",
    "插": "叉差",
    "勃": "脖泊",
    "硬": "应映",
    "私": "丝思司",
    "处": "触畜",
    "强": "墙蔷",
    "轮": "论伦",
    "诱": "又幼佑",
    "猥": "伟尾委",
    "亵": "谢泄械",
    "变": "便遍辩",
    "态": "太泰",
    "恋": "练炼链",
    "童": "同铜桐",
    "萝": "罗锣箩",
    "莉": "丽力",
    "幼": "又右佑",
    "污": "乌屋巫",
    "荤": "昏婚",
    "撸": "噜鲁",
    "慰": "卫喂位",
    "乱": "卵峦",
    "伦": "轮论",
    "肉": "柔揉",
    "棒": "磅傍",
    # insults
    "傻": "沙啥煞",
    "废": "费肺",
    "滚": "衮",
    "狗": "苟够",
    "屎": "史使",
    "娘": "酿",
    "杂": "砸咋",
    "种": "肿",
    "尼": "泥妮",
    "玛": "马码吗",
    "靠": "铐烤",
    "蛋": "旦弹",
    # violence / weapons
    "杀": "沙刹煞莎",
    "枪": "抢呛腔锵",
    "弹": "蛋旦淡",
    "炸": "乍榨",
    "暴": "爆报豹",
    "爆": "报豹抱",
    "恐": "孔",
    "怖": "布步",
    "袭": "习席",
    "砍": "坎侃",
    "捅": "桶统筒",
    "刺": "次赐",
    "虐": "疟",
    "殴": "欧鸥",
    "绑": "榜膀",
    "架": "驾价嫁",
    "劫": "杰洁结",
    "抢": "枪腔",
    "偷": "头投",
    "刀": "叨岛",
    "血": "雪穴",
    # self-harm
    "死": "屎四似",
    "自": "字紫",
    "残": "蚕惭",
    "割": "哥鸽歌",
    "腕": "碗晚万",
    "跳": "条挑眺",
    "楼": "娄搂篓",
    "轻": "青清倾",
    "生": "升声",
    "绝": "决觉",
    "吊": "掉钓调",
    "服": "伏福",
    "烧": "稍捎",
    "炭": "碳探叹",
    "眠": "棉绵",
    "抑": "亿意忆",
    "郁": "玉育",
    "命": "名明",
    "亡": "王往忘",
    "尽": "进近劲",
    # drugs
    "毒": "独读犊",
    "品": "拼频",
    "冰": "兵饼",
    "麻": "马嘛蟆",
    "药": "要钥耀",
    "吸": "西希息",
    "嗑": "磕克",
    "粉": "份奋",
    "海": "嗨",
    "洛": "落络骆",
    "因": "音殷茵",
    "丸": "完玩顽",
    "摇": "遥谣瑶",
    "鸦": "压鸭丫",
    "罂": "樱鹰",
    "粟": "素速",
    "嗨": "海害",
    "溜": "流留刘",
    "飞": "非菲",
    # gambling
    "赌": "堵睹笃",
    "博": "搏菠泊伯",
    "彩": "采菜踩",
    "票": "漂飘",
    "赢": "营盈迎",
    "庄": "装桩",
    "押": "压鸭",
    "注": "住驻",
    "盘": "磐判",
    "牌": "排派",
    "棋": "旗奇",
    "百": "摆柏",
    "乐": "勒",
    "骰": "头投",
    "筹": "愁仇",
    "码": "马玛",
    "输": "书舒叔",
    # fraud / money
    "诈": "炸榨乍",
    "骗": "片篇",
    "钱": "前潜",
    "贷": "代带袋",
    "套": "淘讨",
    "现": "线县",
    "洗": "喜玺",
    "传": "船",
    "销": "消萧宵",
    "刷": "唰耍",
    "单": "丹担",
    "返": "反饭贩",
    "利": "力立",
    "账": "帐仗胀",
    "赚": "转撰",
    "兼": "间坚",
    "投": "头偷",
    "资": "姿咨滋",
    "币": "必毕闭",
    "贿": "汇惠会",
    "赂": "路鹿",
}

# Characters written as side-by-side (or top-bottom) components to dodge filters.
# Every component must be an ordinary, typeable character (GB2312); the single
# exception, kept on request, is 㸒 in 淫.
SPLIT_CHARS: dict[str, str] = {
    "奸": "女干",
    "强": "弓虽",
    "胡": "古月",
    "林": "木木",
    "好": "女子",
    "炮": "火包",
    "妈": "女马",
    "她": "女也",
    "枪": "木仓",
    "淫": "氵㸒",
    "妓": "女支",
    "娼": "女昌",
    "嫖": "女票",
    "射": "身寸",
    "肏": "入肉",
    "婊": "女表",
    "鸡": "又鸟",
    "约": "纟勺",
    "赌": "贝者",
    "奶": "女乃",
    "妹": "女未",
    "嫂": "女叟",
    "娱": "女吴",
    "奴": "女又",
    "妞": "女丑",
    "姘": "女并",
    "媚": "女眉",
    "妖": "女夭",
    "娃": "女圭",
    "死": "歹匕",
    "残": "歹戋",
    "毙": "比死",
    "彩": "采彡",
    "骗": "马扁",
    "骚": "马蚤",
    "钱": "钅戋",
    "赚": "贝兼",
    "贷": "代贝",
    "账": "贝长",
    "购": "贝勾",
    "贿": "贝有",
    "赂": "贝各",
    "财": "贝才",
    "贱": "贝戋",
    "诈": "讠乍",
    "诱": "讠秀",
    "销": "钅肖",
    "银": "钅艮",
    "输": "车俞",
    "码": "石马",
    "传": "亻专",
    "弹": "弓单",
    "炸": "火乍",
    "爆": "火暴",
    "烧": "火尧",
    "炭": "山灰",
    "砍": "石欠",
    "抢": "扌仓",
    "劫": "去力",
    "绑": "纟邦",
    "架": "加木",
    "恐": "巩心",
    "怖": "忄布",
    "袭": "龙衣",
    "腕": "月宛",
    "跳": "足兆",
    "楼": "木娄",
    "吊": "口巾",
    "品": "口口口",
    "吸": "口及",
    "烟": "火因",
    "粉": "米分",
    "冰": "冫水",
    "裸": "衤果",
    "性": "忄生",
    "情": "忄青",
    "慰": "尉心",
    "欲": "谷欠",
    "胸": "月匈",
    "股": "月殳",
    "臀": "殿月",
    "阴": "阝月",
    "屁": "尸比",
    "肛": "月工",
    "脱": "月兑",
    "舔": "舌忝",
    "吻": "口勿",
    "啪": "口拍",
    "液": "氵夜",
    "湿": "氵显",
    "艳": "丰色",
    "狗": "犭句",
    "猪": "犭者",
    "滚": "氵衮",
    "靠": "告非",
    "鸭": "甲鸟",
}
SPLIT_ALLOWED_NON_GB2312 = frozenset("㸒")

_PINYIN_TABLE = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang
cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan
chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei deng di dia
dian diao die ding diu dong dou du duan dui dun duo e ei en er fa fan fang fei fen feng fo fou
fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han
hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie
jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan
kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo
long lou lu luan lue lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min
ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong
nou nu nuan nue nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po
pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri
rong rou ru ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei
shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo
ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan
wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan
yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai
zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi
zong zou zu zuan zui zun zuo
"""
PINYIN_SYLLABLES = _PINYIN_TABLE.split()

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Blocks whose NFKC-to-ASCII letters are "fancy text" rather than ordinary typing.
STYLED_LATIN_BLOCKS = [
    (0x1D2C, 0x1D6A),  # modifier (superscript) letters
    (0x1D9B, 0x1DBF),
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x2100, 0x214F),  # letterlike symbols
    (0x2150, 0x218F),  # number forms (roman numerals)
    (0x2460, 0x24FF),  # enclosed alphanumerics
    (0x1D400, 0x1D7FF),  # mathematical alphanumeric symbols
    (0x1F100, 0x1F1FF),  # enclosed alphanumeric supplement
]
# Lower-case forms that do not look like their upper-case look-alike's target.
NO_LOWERCASE_COMPANION = frozenset("μ")
# Scripts whose lower-case letters keep the shape of the capitals (small-cap style).
COMPANION_SCRIPTS = ("LATIN ", "GREEK ", "CYRILLIC ", "CHEROKEE ", "COPTIC ")


def gb2312_level(ch: str) -> int:
    """0: not in GB2312; 1/2: hanzi level 1/2; 9: non-hanzi rows (symbols, kana...)."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return 0
    if 0xB0 <= b[0] <= 0xD7:
        return 1
    if 0xD8 <= b[0] <= 0xF7:
        return 2
    return 9


def is_cjk_block(cp: int) -> bool:
    """Code points where a Latin mapping would corrupt CJK text (kana, hanzi...)."""
    return (
        0x2E80 <= cp <= 0xA4CF  # radicals, CJK symbols, kana, bopomofo, hanzi, Yi
        or 0xAC00 <= cp <= 0xD7FF  # Hangul
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF61 <= cp <= 0xFFDC  # halfwidth kana / Hangul
        or 0x1B000 <= cp <= 0x1B2FF
        or 0x1F200 <= cp <= 0x1F2FF
        or cp >= 0x20000
    )


def all_code_points() -> Iterable[str]:
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        yield chr(cp)


def closure(mapping: dict[str, str]) -> dict[str, str]:
    """Collapse chains a->b->c into a->c; drop entries that end up as a->a."""
    out: dict[str, str] = {}
    for src in mapping:
        seen = {src}
        dst = mapping[src]
        while dst in mapping and dst not in seen:
            seen.add(dst)
            dst = mapping[dst]
        if dst != src:
            out[src] = dst
    return out


def pkg_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def render(header: list[str], rows: Iterable[str]) -> str:
    lines = [f"# {h}" if h else "#" for h in header]
    lines.extend(rows)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# t2s
# ---------------------------------------------------------------------------


def build_t2s_raw() -> dict[str, str]:
    import opencc

    t2s = opencc.OpenCC("t2s")
    variants = [opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s")]
    out: dict[str, str] = {}
    for lo, hi in CJK_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            res = t2s.convert(ch)
            if res == ch:
                if gb2312_level(ch):
                    continue  # never let a variant-only rule rewrite a GB2312 char
                for conv in variants:
                    alt = conv.convert(ch)
                    if alt != ch and len(alt) == 1 and gb2312_level(alt) in (1, 2):
                        res = alt
                        break
            if res != ch and len(res) == 1:
                out[ch] = res
    return out


# ---------------------------------------------------------------------------
# confusables
# ---------------------------------------------------------------------------

_NAME_LATIN = re.compile(
    r"^(?:(?:NEGATIVE )?(?:SQUARED|CIRCLED) |PARENTHESIZED )?"
    r"LATIN (?:CAPITAL|SMALL) LETTER ([A-Z])$"
)
_NAME_SMALL_CAP = re.compile(r"^LATIN LETTER SMALL CAPITAL ([A-Z])$")
_NAME_MODIFIER = re.compile(r"^MODIFIER LETTER (?:CAPITAL|SMALL) ([A-Z])$")


def _confusable_pairs() -> dict[str, set[str]]:
    """Non-ASCII char -> ASCII alnum chars (original case) it is confusable with."""
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    strip = str.maketrans("", "", "\u200e\u200f")
    ascii_alnum = {c for c in ASCII_ALNUM} | {c.upper() for c in ASCII_ALNUM}
    cand: dict[str, set[str]] = {}
    for key, entries in data.items():
        k = key.translate(strip)
        for entry in entries:
            c = entry["c"].translate(strip)
            for a, b in ((k, c), (c, k)):
                if len(a) == 1 and len(b) == 1 and b in ascii_alnum and not a.isascii():
                    cand.setdefault(a, set()).add(b)
    return cand


def _latin_target(ch: str, data_cand: dict[str, set[str]]) -> str | None:
    cp = ord(ch)
    if ch.isascii() or is_cjk_block(cp):
        return None
    cat = unicodedata.category(ch)
    name = unicodedata.name(ch, "")
    # 1. NFKC.  The always-on base map (base_map.tsv) already applies NFKC + lower
    # case to letters and numbers but deletes symbols, so list symbols (circled
    # letters) and the "fancy text" letters worth flagging as a disguise, but
    # leave fullwidth and Latin-1 forms to the base map.
    nf = unicodedata.normalize("NFKC", ch).lower()
    if len(nf) == 1 and nf in ASCII_ALNUM:
        if cat[0] in "SP":
            return nf  # deleted by the base map before it could be normalised
        if nf.isalpha() and any(lo <= cp <= hi for lo, hi in STYLED_LATIN_BLOCKS):
            return nf  # styled letters: listed so the engine can flag the disguise
        if nf.isdigit() and 0x1D7CE <= cp <= 0x1D7FF:
            return nf  # mathematical digits
        return None  # fullwidth, ª, ², ... : plain base_map work, not a disguise
    # 2. Character names (small capitals, negative squared/circled letters)
    for rx in (_NAME_LATIN, _NAME_SMALL_CAP, _NAME_MODIFIER):
        m = rx.match(name)
        if m:
            return m.group(1).lower()
    # 3. Unicode confusables.txt
    raw = data_cand.get(ch)
    if not raw:
        return None
    if cat == "Nd":
        value = str(unicodedata.decimal(ch))
        ok = {value} | ({"o", "O"} if value == "0" else set()) | ({"l"} if value == "1" else set())
        return value if raw & ok else None
    letterlike = 0x2100 <= cp <= 0x214F
    if cat not in ("Lu", "Ll", "Lt", "Lo", "Nl") and not letterlike:
        return None
    letters = {c for c in raw if c.isalpha()}
    if not letters:
        return None  # letters never map to digits
    lowered = {c.lower() for c in letters}
    if lowered == {"l"} and "l" in letters and (cat == "Lu" or "CAPITAL" in name):
        return "i"  # confusables.txt folds capital I into l; keep I-shaped capitals as i
    if len(lowered) != 1:
        return None
    return lowered.pop()


def build_latin_confusables() -> dict[str, str]:
    data_cand = _confusable_pairs()
    out: dict[str, str] = {}
    for ch in all_code_points():
        if unicodedata.category(ch) in ("Cn", "Co", "Cs", "Cc", "Cf", "Zs"):
            continue
        tgt = _latin_target(ch, data_cand)
        if tgt is not None:
            out[ch] = tgt
    # The base map lower-cases text before this table is consulted, so an
    # upper-case look-alike (Cyrillic В for B) arrives as its lower-case form
    # (в).  Give such lower-case forms the upper-case letter's target unless
    # they have a look-alike mapping of their own.
    for ch, tgt in list(out.items()):
        low = unicodedata.normalize("NFKC", ch).lower()
        if (
            low != ch
            and len(low) == 1
            and not low.isascii()
            and low not in out
            and low not in NO_LOWERCASE_COMPANION
            and unicodedata.name(low, "").startswith(COMPANION_SCRIPTS)
            and tgt.isalpha()
            and unicodedata.category(low) == "Ll"
        ):
            out[low] = tgt
    return out


def build_cjk_confusables(t2s: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Returns (mapping, warnings).  Targets are final (already simplified)."""
    import opencc

    jp2t = opencc.OpenCC("jp2t")
    t2s_conv = opencc.OpenCC("t2s")
    warnings: list[str] = []

    def simp(ch: str) -> str:
        return t2s.get(ch, ch)

    def to_simplified(ch: str) -> str:
        """t2s, or Japanese shinjitai -> kyujitai -> simplified for non-GB2312 chars."""
        if ch in CJK_CONFUSABLES:
            return CJK_CONFUSABLES[ch]
        if ch in t2s or gb2312_level(ch):
            return simp(ch)
        kyu = jp2t.convert(ch)
        if kyu != ch and len(kyu) == 1:
            res = t2s_conv.convert(kyu)
            if len(res) == 1:
                return simp(res)
        return ch

    def acceptable(src: str, dst: str) -> bool:
        return (
            dst != src
            and len(dst) == 1
            and src not in t2s
            and gb2312_level(src) != 1
            and gb2312_level(dst) == 1
            and dst not in t2s
        )

    out: dict[str, str] = {}
    # Kangxi radicals, CJK radical supplement, ideographic annotation marks,
    # enclosed / circled ideographs: NFKC gives the unified ideograph.
    blocks = [(0x2E80, 0x2FDF), (0x3190, 0x319F), (0x3200, 0x33FF), (0x1F200, 0x1F2FF)]
    for lo, hi in blocks:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            nf = unicodedata.normalize("NFKC", ch)
            if len(nf) != 1 or nf == ch or not _is_hanzi(nf):
                continue
            dst = to_simplified(nf)
            if acceptable(ch, dst):
                out[ch] = dst
    # Japanese shinjitai that are not Chinese characters (e.g. 売, 薬, 図).
    for lo, hi in [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x2A6DF)]:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if gb2312_level(ch) or ch in t2s:
                continue
            dst = to_simplified(ch)
            if acceptable(ch, dst):
                out[ch] = dst
    # Hand-curated lists.
    for table in (CJK_RADICAL_SUPPLEMENT, CJK_CONFUSABLES):
        for src, dst in table.items():
            if src in t2s:
                if simp(src) != dst:
                    warnings.append(f"curated {src}->{dst} skipped: t2s maps it to {t2s[src]}")
                continue
            if not acceptable(src, dst):
                raise SystemExit(f"curated confusable {src}->{dst} breaks the table rules")
            if src in out and out[src] != dst:
                warnings.append(f"curated {src}->{dst} overrides generated {src}->{out[src]}")
            out[src] = dst
    return out, warnings


def _is_hanzi(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


# ---------------------------------------------------------------------------
# homophones / split / pinyin validation
# ---------------------------------------------------------------------------


def _fuzzy(syl: str) -> str:
    syl = re.sub(r"^([zcs])h", r"\1", syl)
    syl = re.sub(r"^n", "l", syl)
    return re.sub(r"ng$", "n", syl)


def check_homophones() -> list[str]:
    from pypinyin import Style, pinyin

    errors: list[str] = []

    def readings(ch: str) -> set[str]:
        return set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])

    for ch, alts in HOMOPHONES.items():
        if len(ch) != 1 or not 1 <= len(alts) <= 4 or len(set(alts)) != len(alts) or ch in alts:
            errors.append(f"homophones {ch}: bad shape {alts!r}")
            continue
        base = {_fuzzy(r) for r in readings(ch)}
        for alt in alts:
            if not base & {_fuzzy(r) for r in readings(alt)}:
                errors.append(f"homophones {ch}->{alt}: no shared (fuzzy) reading")
            if not gb2312_level(alt):
                errors.append(f"homophones {ch}->{alt}: not a GB2312 character")
    return errors


def check_split_chars() -> list[str]:
    errors: list[str] = []
    for ch, parts in SPLIT_CHARS.items():
        if len(ch) != 1 or not 2 <= len(parts) <= 3 or ch in parts:
            errors.append(f"split {ch}: bad shape {parts!r}")
        for p in parts:
            if not gb2312_level(p) and p not in SPLIT_ALLOWED_NON_GB2312:
                errors.append(f"split {ch}->{parts}: component {p} not typeable (GB2312)")
    return errors


# ---------------------------------------------------------------------------
# Table builders
# ---------------------------------------------------------------------------

GENERATED_BY = "Generated by scripts/gen_text_tables.py; do not edit by hand."


def tsv_rows(mapping: dict[str, str]) -> list[str]:
    """``key<TAB>value`` rows in code-point order of the key."""
    return [f"{k}\t{v}" for k, v in sorted(mapping.items(), key=lambda kv: ord(kv[0]))]


def table_t2s(ctx: dict[str, dict[str, str]]) -> str:
    t2s = ctx["t2s"]
    header = [
        "Menshen traditional -> simplified, per character: trad<TAB>simp (one code point each).",
        GENERATED_BY,
        f"Source: OpenCC {pkg_version('opencc')} configs t2s (primary), hk2s/tw2s (variants),",
        "run on every code point in U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+20000-2FA1F;",
        "CJK compatibility ideographs included via OpenCC's normalisation dictionary.",
        "OpenCC (https://github.com/BYVoid/OpenCC) is licensed under Apache-2.0.",
        f"Python unicodedata {unicodedata.unidata_version}. Entries: {len(t2s)}.",
    ]
    return render(header, tsv_rows(t2s))


def table_confusables(ctx: dict[str, dict[str, str]]) -> str:
    conf = ctx["confusables"]
    n_latin = sum(1 for v in conf.values() if v.isascii())
    header = [
        "Menshen confusables: from<TAB>to (one code point each), look-alike -> common form.",
        GENERATED_BY,
        f"Latin part ({n_latin} rows, targets a-z0-9): NFKC, Unicode character names and",
        "Unicode confusables.txt (UTS #39) as bundled in confusable-homoglyphs "
        f"{pkg_version('confusable-homoglyphs')};",
        "Unicode data: Copyright (c) Unicode, Inc., Unicode License v3 (SPDX Unicode-3.0),",
        "see https://www.unicode.org/license.txt and docs/normalization-tables.md.",
        f"CJK part ({len(conf) - n_latin} rows): Kangxi/radical/enclosed forms (NFKC), Japanese",
        f"shinjitai via OpenCC {pkg_version('opencc')} jp2t+t2s (Apache-2.0), hand-curated list.",
        f"Python unicodedata {unicodedata.unidata_version}.",
    ]
    return render(header, tsv_rows(conf))


def table_homophones(ctx: dict[str, dict[str, str]]) -> str:
    header = [
        "Menshen keyword-side homophones: char<TAB>alternatives (concatenated, no separator).",
        GENERATED_BY + " Edit HOMOPHONES there.",
        "Hand-curated for Menshen (Apache-2.0); readings checked with pypinyin.",
    ]
    return render(header, tsv_rows(HOMOPHONES))


def table_split(ctx: dict[str, dict[str, str]]) -> str:
    header = [
        "Menshen split characters: char<TAB>components written side by side (2-3 chars).",
        GENERATED_BY + " Edit SPLIT_CHARS there.",
        "Hand-curated for Menshen (Apache-2.0).",
    ]
    return render(header, tsv_rows(SPLIT_CHARS))


def table_pinyin(ctx: dict[str, dict[str, str]]) -> str:
    header = [
        "Menshen toneless Mandarin pinyin syllables, one per line (u-umlaut as v and u).",
        GENERATED_BY + " Edit PINYIN_SYLLABLES there.",
        "Toneless readings pypinyin gives GB2312 characters, without m/n/ng/hng (and a stray",
        "'len'), plus the lue/nue spellings. A list of facts: no licence attaches to it.",
    ]
    return render(header, sorted(set(PINYIN_SYLLABLES)))


TABLES: dict[str, tuple[str, Callable[[dict[str, dict[str, str]]], str]]] = {
    "t2s": ("t2s.tsv", table_t2s),
    "confusables": ("confusables.tsv", table_confusables),
    "homophones": ("homophones.tsv", table_homophones),
    "split_chars": ("split_chars.tsv", table_split),
    "pinyin_syllables": ("pinyin_syllables.txt", table_pinyin),
}


def build_context(names: list[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    ctx: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    if "t2s" in names or "confusables" in names:
        t2s = closure(build_t2s_raw())
        cjk, w = build_cjk_confusables(t2s)
        warnings += w
        # Make the two tables order-independent: a t2s target that is itself a
        # confusables source is rewritten to the final form.
        t2s = {k: cjk.get(v, v) for k, v in t2s.items()}
        t2s = {k: v for k, v in t2s.items() if k != v}
        latin = build_latin_confusables()
        overlap = set(latin) & set(cjk)
        if overlap:
            raise SystemExit(f"Latin and CJK confusables overlap: {sorted(overlap)}")
        ctx["t2s"] = t2s
        ctx["confusables"] = closure({**latin, **cjk})
    if "homophones" in names:
        errs = check_homophones()
        if errs:
            raise SystemExit("\n".join(errs))
    if "split_chars" in names:
        errs = check_split_chars()
        if errs:
            raise SystemExit("\n".join(errs))
    return ctx, warnings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=sorted(TABLES), help="tables to build")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--out-dir", type=Path, default=DATA_DIR)
    args = ap.parse_args(argv)
    names = args.only or list(TABLES)
    ctx, warnings = build_context(names)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    stale = []
    for name in names:
        filename, builder = TABLES[name]
        text = builder(ctx)
        path = args.out_dir / filename
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        n = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        print(f"wrote {path} ({n} entries)")
    if stale:
        print("stale tables (rerun scripts/gen_text_tables.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
