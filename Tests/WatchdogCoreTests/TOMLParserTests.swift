import FoundationEssentials
import Testing

@testable import WatchdogCore

/// The TOML 1.0 parser on its own: the spec's examples with their exact values, every rule it must refuse with the
/// line, column and message, and where keys are recorded.
@Suite("TOML 1.0 parser")
struct TOMLParserTests {
    private func parse(_ text: String) throws -> TOMLTable {
        try TOMLParser.parse(text)
    }

    private func failure(_ text: String) -> TOMLParseError? {
        do throws(TOMLParseError) {
            _ = try TOMLParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// A table to compare with; positions are not part of a table's value.
    private func table(_ pairs: KeyValuePairs<String, TOMLValue>) -> TOMLTable {
        TOMLTable(
            pairs.map { TOMLTable.Entry(key: $0.key, value: $0.value, position: TOMLPosition(line: 1, column: 1)) })
    }

    private func inline(_ pairs: KeyValuePairs<String, TOMLValue>) -> TOMLValue {
        .table(table(pairs))
    }

    // MARK: - Valid documents (the examples of https://toml.io/en/v1.0.0)

    @Test("comments and key/value pairs")
    func comments() throws {
        let text = """
            # This is a full-line comment
            key = "value"  # This is a comment at the end of a line
            another = "# This is not a comment"
            """
        #expect(try parse(text) == table(["key": .string("value"), "another": .string("# This is not a comment")]))
        #expect(try parse("") == TOMLTable())
        #expect(try parse("\n\n  # only a comment\n\t\n") == TOMLTable())
    }

    @Test("bare, quoted, empty and dotted keys")
    func keys() throws {
        let text = """
            key = "value"
            bare_key = "value"
            bare-key = "value"
            1234 = "value"
            "127.0.0.1" = "value"
            "character encoding" = "value"
            "ʎǝʞ" = "value"
            'key2' = "value"
            'quoted "value"' = "value"
            "" = "blank"
            "a\\tb" = "escaped"
            """
        #expect(
            try parse(text)
                == table([
                    "key": .string("value"), "bare_key": .string("value"), "bare-key": .string("value"),
                    "1234": .string("value"), "127.0.0.1": .string("value"), "character encoding": .string("value"),
                    "ʎǝʞ": .string("value"), "key2": .string("value"), "quoted \"value\"": .string("value"),
                    "": .string("blank"), "a\tb": .string("escaped"),
                ]))

        let dotted = """
            name = "Orange"
            physical.color = "orange"
            physical.shape = "round"
            site."google.com" = true
            fruit.name = "banana"     # this is best practice
            fruit. color = "yellow"    # same as fruit.color
            fruit . flavor = "banana"   # same as fruit.flavor
            3.14159 = "pi"
            """
        #expect(
            try parse(dotted)
                == table([
                    "name": .string("Orange"),
                    "physical": inline(["color": .string("orange"), "shape": .string("round")]),
                    "site": inline(["google.com": .boolean(true)]),
                    "fruit": inline([
                        "name": .string("banana"), "color": .string("yellow"), "flavor": .string("banana"),
                    ]),
                    "3": inline(["14159": .string("pi")]),
                ]))
    }

    @Test("basic strings and every escape")
    func basicStrings() throws {
        let text = #"""
            str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
            all = "\b\t\n\f\r\"\\ \u00e9 \U0001F600 \u0000 tab:	."
            """#
        #expect(
            try parse(text)
                == table([
                    "str": .string("I'm a string. \"You can quote me\". Name\tJosé\nLocation\tSF."),
                    "all": .string("\u{8}\t\n\u{C}\r\"\\ é 😀 \u{0} tab:\t."),
                ]))
    }

    @Test("multi-line basic strings: first newline trimmed, line-ending backslash, quotes inside")
    func multiLineBasicStrings() throws {
        let text = #"""
            str1 = """
            Roses are red
            Violets are blue"""
            str2 = """
            The quick brown \


              fox jumps over \
                the lazy dog."""
            str3 = """\
                   The quick brown \
                   fox jumps over \
                   the lazy dog.\
                   """
            str4 = """Here are two quotation marks: "". Simple enough."""
            str5 = """Here are three quotation marks: ""\"."""
            str6 = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
            str7 = """"This," she said, "is just a pointless statement.""""
            """#
        let parsed = try parse(text)
        let fox = "The quick brown fox jumps over the lazy dog."
        #expect(
            parsed
                == table([
                    "str1": .string("Roses are red\nViolets are blue"), "str2": .string(fox), "str3": .string(fox),
                    "str4": .string(#"Here are two quotation marks: "". Simple enough."#),
                    "str5": .string(#"Here are three quotation marks: """."#),
                    "str6": .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15) + "."),
                    "str7": .string(#""This," she said, "is just a pointless statement.""#),
                ]))
        // A CRLF inside a multi-line string is a line end, kept as LF.
        #expect(try parse("crlf = \"\"\"a\r\nb\"\"\"") == table(["crlf": .string("a\nb")]))
        #expect(try parse("crlf = '''\r\na\r\nb'''") == table(["crlf": .string("a\nb")]))
    }

    @Test("literal and multi-line literal strings")
    func literalStrings() throws {
        let text = #"""
            winpath  = 'C:\Users\nodejs\templates'
            winpath2 = '\\ServerX\admin$\system32\'
            quoted   = 'Tom "Dubs" Preston-Werner'
            regex    = '<\i\c*\s*>'
            regex2 = '''I [dw]on't need \d{2} apples'''
            lines  = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
            apos15 = "Here are fifteen apostrophes: '''''''''''''''"
            str = ''''That,' she said, 'is still pointless.''''
            """#
        #expect(
            try parse(text)
                == table([
                    "winpath": .string(#"C:\Users\nodejs\templates"#),
                    "winpath2": .string(#"\\ServerX\admin$\system32\"#),
                    "quoted": .string(#"Tom "Dubs" Preston-Werner"#),
                    "regex": .string(#"<\i\c*\s*>"#),
                    "regex2": .string(#"I [dw]on't need \d{2} apples"#),
                    "lines": .string(
                        "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"),
                    "quot15": .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)),
                    "apos15": .string("Here are fifteen apostrophes: '''''''''''''''"),
                    "str": .string("'That,' she said, 'is still pointless.'"),
                ]))
    }

    @Test("integers: signs, underscores, hexadecimal, octal, binary and the 64-bit limits")
    func integers() throws {
        let text = """
            int1 = +99
            int2 = 42
            int3 = 0
            int4 = -17
            int5 = 1_000
            int6 = 5_349_221
            int7 = 53_49_221
            int8 = 1_2_3_4_5
            zero = +0
            negativeZero = -0
            hex1 = 0xDEADBEEF
            hex2 = 0xdeadbeef
            hex3 = 0xdead_beef
            hex4 = 0x00FF
            oct1 = 0o01234567
            oct2 = 0o755
            bin1 = 0b11010110
            max = 9223372036854775807
            min = -9223372036854775808
            maxHex = 0x7FFFFFFFFFFFFFFF
            """
        #expect(
            try parse(text)
                == table([
                    "int1": .integer(99), "int2": .integer(42), "int3": .integer(0), "int4": .integer(-17),
                    "int5": .integer(1_000), "int6": .integer(5_349_221), "int7": .integer(5_349_221),
                    "int8": .integer(12_345), "zero": .integer(0), "negativeZero": .integer(0),
                    "hex1": .integer(0xDEAD_BEEF), "hex2": .integer(0xDEAD_BEEF), "hex3": .integer(0xDEAD_BEEF),
                    "hex4": .integer(255), "oct1": .integer(0o01234567), "oct2": .integer(0o755),
                    "bin1": .integer(0b11010110), "max": .integer(.max), "min": .integer(.min),
                    "maxHex": .integer(.max),
                ]))
    }

    @Test("floats: fractions, exponents, underscores, inf and nan")
    func floats() throws {
        let text = """
            flt1 = +1.0
            flt2 = 3.1415
            flt3 = -0.01
            flt4 = 5e+22
            flt5 = 1e06
            flt6 = -2E-2
            flt7 = 6.626e-34
            flt8 = 224_617.445_991_228
            flt9 = 0e0
            sf1 = inf
            sf2 = +inf
            sf3 = -inf
            """
        #expect(
            try parse(text)
                == table([
                    "flt1": .float(1.0), "flt2": .float(3.1415), "flt3": .float(-0.01), "flt4": .float(5e22),
                    "flt5": .float(1e6), "flt6": .float(-0.02), "flt7": .float(6.626e-34),
                    "flt8": .float(224_617.445_991_228), "flt9": .float(0), "sf1": .float(.infinity),
                    "sf2": .float(.infinity), "sf3": .float(-.infinity),
                ]))
        let nans = try parse("sf4 = nan\nsf5 = +nan\nsf6 = -nan\nnegativeZero = -0.0")
        for key in ["sf4", "sf5", "sf6"] { #expect(nans[key]?.float?.isNaN == true) }
        #expect(nans["negativeZero"]?.float?.sign == .minus)
    }

    @Test("booleans and the four date-time forms")
    func booleansAndDateTimes() throws {
        let text = """
            bool1 = true
            bool2 = false
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27T00:32:00.999999-07:00
            odt4 = 1979-05-27 07:32:00Z
            odt5 = 1979-05-27t07:32:00z
            ldt1 = 1979-05-27T07:32:00
            ldt2 = 1979-05-27T00:32:00.999999
            ld1 = 1979-05-27
            leap = 2000-02-29
            lt1 = 07:32:00
            lt2 = 00:32:00.999999
            leapSecond = 23:59:60
            """
        #expect(
            try parse(text)
                == table([
                    "bool1": .boolean(true), "bool2": .boolean(false),
                    "odt1": .offsetDateTime("1979-05-27T07:32:00Z"),
                    "odt2": .offsetDateTime("1979-05-27T00:32:00-07:00"),
                    "odt3": .offsetDateTime("1979-05-27T00:32:00.999999-07:00"),
                    "odt4": .offsetDateTime("1979-05-27 07:32:00Z"), "odt5": .offsetDateTime("1979-05-27t07:32:00z"),
                    "ldt1": .localDateTime("1979-05-27T07:32:00"), "ldt2": .localDateTime("1979-05-27T00:32:00.999999"),
                    "ld1": .localDate("1979-05-27"), "leap": .localDate("2000-02-29"), "lt1": .localTime("07:32:00"),
                    "lt2": .localTime("00:32:00.999999"), "leapSecond": .localTime("23:59:60"),
                ]))
        // A date followed by a comment is a date, not the start of a date-time.
        #expect(try parse("d = 1979-05-27 # the day") == table(["d": .localDate("1979-05-27")]))
    }

    @Test("arrays: nested, mixed, over several lines with comments and a trailing comma")
    func arrays() throws {
        let text = """
            integers = [ 1, 2, 3 ]
            colors = [ "red", "yellow", "green" ]
            nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
            nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
            string_array = [ "all", 'strings', \"""are the same\""", '''type''' ]
            numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
            contributors = [
              "Foo Bar <foo@example.com>",
              { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
            ]
            integers2 = [
              1, 2, 3
            ]
            integers3 = [
              1,
              2, # this is ok
            ]
            empty = [ ]
            commented = [ # first
              # alone
              1 # after
              , 2
            ]
            """
        #expect(
            try parse(text)
                == table([
                    "integers": .array([.integer(1), .integer(2), .integer(3)]),
                    "colors": .array([.string("red"), .string("yellow"), .string("green")]),
                    "nested_arrays_of_ints": .array([
                        .array([.integer(1), .integer(2)]), .array([.integer(3), .integer(4), .integer(5)]),
                    ]),
                    "nested_mixed_array": .array([
                        .array([.integer(1), .integer(2)]), .array([.string("a"), .string("b"), .string("c")]),
                    ]),
                    "string_array": .array([
                        .string("all"), .string("strings"), .string("are the same"), .string("type"),
                    ]),
                    "numbers": .array([.float(0.1), .float(0.2), .float(0.5), .integer(1), .integer(2), .integer(5)]),
                    "contributors": .array([
                        .string("Foo Bar <foo@example.com>"),
                        inline([
                            "name": .string("Baz Qux"), "email": .string("bazqux@example.com"),
                            "url": .string("https://example.com/bazqux"),
                        ]),
                    ]),
                    "integers2": .array([.integer(1), .integer(2), .integer(3)]),
                    "integers3": .array([.integer(1), .integer(2)]),
                    "empty": .array([]),
                    "commented": .array([.integer(1), .integer(2)]),
                ]))
    }

    @Test("tables: headers, quoted and spaced names, implicit super-tables, sub-tables of dotted keys")
    func tables() throws {
        let text = """
            [table-1]
            key1 = "some string"
            key2 = 123

            [table-2]
            key1 = "another string"
            key2 = 456

            [dog."tater.man"]
            type.name = "pug"

            [ j . "ʞ" . 'l' ]

            [x.y.z.w]
            [x]

            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.texture]
            smooth = true
            """
        #expect(
            try parse(text)
                == table([
                    "table-1": inline(["key1": .string("some string"), "key2": .integer(123)]),
                    "table-2": inline(["key1": .string("another string"), "key2": .integer(456)]),
                    "dog": inline(["tater.man": inline(["type": inline(["name": .string("pug")])])]),
                    "j": inline(["ʞ": inline(["l": inline([:])])]),
                    "x": inline(["y": inline(["z": inline(["w": inline([:])])])]),
                    "fruit": inline([
                        "apple": inline([
                            "color": .string("red"), "taste": inline(["sweet": .boolean(true)]),
                            "texture": inline(["smooth": .boolean(true)]),
                        ])
                    ]),
                ]))
        // Top-level keys, then the table: dotted keys at the top are the same as the table's own.
        #expect(
            try parse("a.b = 1\n[c]\nd = 2")
                == table(["a": inline(["b": .integer(1)]), "c": inline(["d": .integer(2)])]))
    }

    @Test("inline tables, with dotted keys inside and nested")
    func inlineTables() throws {
        let text = """
            name = { first = "Tom", last = "Preston-Werner" }
            point = { x = 1, y = 2 }
            animal = { type.name = "pug" }
            empty = {}
            nested = { a = { b = [ { c = 1 } ] }, d.e = 2, d.f = 3 }
            """
        #expect(
            try parse(text)
                == table([
                    "name": inline(["first": .string("Tom"), "last": .string("Preston-Werner")]),
                    "point": inline(["x": .integer(1), "y": .integer(2)]),
                    "animal": inline(["type": inline(["name": .string("pug")])]),
                    "empty": inline([:]),
                    "nested": inline([
                        "a": inline(["b": .array([inline(["c": .integer(1)])])]),
                        "d": inline(["e": .integer(2), "f": .integer(3)]),
                    ]),
                ]))
    }

    @Test("arrays of tables, nested, with sub-tables")
    func arraysOfTables() throws {
        let products = """
            [[products]]
            name = "Hammer"
            sku = 738594937

            [[products]]  # empty table within the array

            [[products]]
            name = "Nail"
            sku = 284758393

            color = "gray"
            """
        #expect(
            try parse(products)
                == table([
                    "products": .array([
                        inline(["name": .string("Hammer"), "sku": .integer(738_594_937)]),
                        inline([:]),
                        inline(["name": .string("Nail"), "sku": .integer(284_758_393), "color": .string("gray")]),
                    ])
                ]))
        let fruits = """
            [[fruits]]
            name = "apple"

            [fruits.physical]  # subtable
            color = "red"
            shape = "round"

            [[fruits.varieties]]  # nested array of tables
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"

            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """
        #expect(
            try parse(fruits)
                == table([
                    "fruits": .array([
                        inline([
                            "name": .string("apple"),
                            "physical": inline(["color": .string("red"), "shape": .string("round")]),
                            "varieties": .array([
                                inline(["name": .string("red delicious")]), inline(["name": .string("granny smith")]),
                            ]),
                        ]),
                        inline([
                            "name": .string("banana"), "varieties": .array([inline(["name": .string("plantain")])]),
                        ]),
                    ])
                ]))
        let points = "points = [ { x = 1, y = 2, z = 3 },\n  { x = 7, y = 8, z = 9 } ]"
        #expect(
            try parse(points)
                == table([
                    "points": .array([
                        inline(["x": .integer(1), "y": .integer(2), "z": .integer(3)]),
                        inline(["x": .integer(7), "y": .integer(8), "z": .integer(9)]),
                    ])
                ]))
    }

    @Test("CRLF line ends and a byte order mark")
    func crlfAndByteOrderMark() throws {
        let document = try parse("\u{FEFF}a = 1\r\n# comment\r\n[t]\r\nb = [\r\n  2,\r\n]\r\n")
        #expect(document == table(["a": .integer(1), "t": inline(["b": .array([.integer(2)])])]))
        #expect(document.position(of: "a") == TOMLPosition(line: 1, column: 1))
        #expect(document.position(ofKeyPath: ["t", "b"]) == TOMLPosition(line: 4, column: 1))
    }

    @Test("nesting up to the limit is accepted")
    func deepestNesting() throws {
        let depth = TOMLParser.maximumDepth
        let arrays = try parse("a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        var value = arrays["a"]
        var levels = 0
        while case .array(let elements)? = value {
            levels += 1
            value = elements.first
        }
        #expect(levels == depth)
        let dotted = (0..<depth).map { _ in "k" }.joined(separator: ".") + ".last = 1"
        #expect(try parse(dotted).count == 1)
    }

    // MARK: - Invalid documents

    /// (document, line, column, a fragment of the message).
    static let invalidDocuments: [(String, Int, Int, String)] = [
        // Defining a key or a table twice, and every other redefinition.
        ("name = \"Tom\"\nname = \"Pradyun\"", 2, 1, "the key name is defined twice (first at line 1)"),
        ("spelling = \"favorite\"\n\"spelling\" = \"favourite\"", 2, 1, "the key spelling is defined twice"),
        (
            "fruit.apple = 1\nfruit.apple.smooth = true", 2, 7,
            "cannot define fruit.apple.smooth: fruit.apple is already an integer (at line 1)"
        ),
        ("[fruit]\napple = \"red\"\n\n[fruit]\n", 4, 2, "the table [fruit] is defined twice (first at line 1)"),
        (
            "[fruit]\napple = \"red\"\n\n[fruit.apple]\n", 4, 8,
            "cannot define [fruit.apple]: fruit.apple is already a string (at line 2)"
        ),
        (
            "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]", 4, 8,
            "the table [fruit.apple] is already defined by dotted keys (at line 2)"
        ),
        (
            "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]", 4, 14,
            "the table [fruit.apple.taste] is already defined by dotted keys (at line 3)"
        ),
        (
            "[product]\ntype = { name = \"Nail\" }\ntype.edible = false", 3, 1,
            "cannot define product.type.edible: product.type is already an inline table (at line 2), "
                + "and inline tables cannot be extended"
        ),
        (
            "[product]\ntype.name = \"Nail\"\ntype = { edible = false }", 3, 1,
            "the key product.type is defined twice (first as a table at line 2)"
        ),
        (
            "fruits = []\n[[fruits]]", 2, 3,
            "cannot define [[fruits]]: fruits is already a static array (at line 1), and static arrays cannot be extended"
        ),
        (
            "[fruit.physical]\ncolor = \"red\"\n[[fruit]]", 3, 3,
            "cannot define [[fruit]]: fruit is already a table (at line 1)"
        ),
        (
            "[[fruits]]\nname = \"apple\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[fruits.varieties]", 5, 9,
            "cannot define [fruits.varieties]: fruits.varieties is already an array of tables (at line 3)"
        ),
        (
            "[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n[[fruits.physical]]", 4, 10,
            "cannot define [[fruits.physical]]: fruits.physical is already a table (at line 2)"
        ),
        (
            "[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3,
            "cannot define a.b.c.t with a dotted key: the table [a.b.c] has its own header (at line 1)"
        ),
        ("[a]\nb.c = 1\n[a.b]", 3, 4, "the table [a.b] is already defined by dotted keys (at line 2)"),
        ("a = { b = 1 }\n[a]", 2, 2, "cannot define [a]: a is already an inline table (at line 1)"),
        ("a = { b = 1 }\n[a.c]", 2, 2, "cannot define [a.c]: a is already an inline table (at line 1)"),
        ("a = [ 1 ]\n[a]", 2, 2, "cannot define [a]: a is already a static array (at line 1)"),
        ("a = { b = { c = 1 }, b.d = 2 }", 1, 22, "cannot define a.b.d: a.b is already an inline table (at line 1)"),
        ("a = { b = 1, b = 2 }", 1, 14, "the key a.b is defined twice (first at line 1)"),
        ("a = { b.c = 1, b = 2 }", 1, 16, "the key a.b is defined twice (first as a table at line 1)"),
        ("[a]\nb = 1\n[a.b.c]", 3, 4, "cannot define [a.b.c]: a.b is already an integer (at line 2)"),
        ("a = 1\n[[a]]", 2, 3, "cannot define [[a]]: a is already an integer (at line 1)"),
        ("[[a]]\n[a]", 2, 2, "cannot define [a]: a is already an array of tables (at line 1)"),
        ("a.b = 1\na = 2", 2, 1, "the key a is defined twice (first as a table at line 1)"),
        // Escapes.
        (#"a = "\x41""#, 1, 6, #"invalid escape \x; TOML allows \b \t \n \f \r \" \\ \uXXXX and \UXXXXXXXX"#),
        (#"a = "\e""#, 1, 6, #"invalid escape \e"#),
        (#"a = "\ ""#, 1, 6, #"invalid escape '\' before a space"#),
        (#"a = "\u00G0""#, 1, 6, #"\u must be followed by exactly 4 hexadecimal digits"#),
        (#"a = "\U0000006""#, 1, 6, #"\U must be followed by exactly 8 hexadecimal digits"#),
        (#"a = "\uD800""#, 1, 6, #"\uD800 is a surrogate code point, not a Unicode scalar value"#),
        (#"a = "\uDFFF""#, 1, 6, "is a surrogate code point"),
        (#"a = "\U00110000""#, 1, 6, #"\U00110000 is beyond U+10FFFF, the last Unicode code point"#),
        (#"a = """x\  y""""#, 1, 9, "a backslash followed by spaces must end the line in a multi-line string"),
        // Integers.
        ("a = 9223372036854775808", 1, 5, "the integer does not fit in 64 bits"),
        ("a = -9223372036854775809", 1, 5, "the integer does not fit in 64 bits"),
        ("a = 0x8000000000000000", 1, 5, "the integer does not fit in 64 bits"),
        ("a = 99999999999999999999999", 1, 5, "the integer does not fit in 64 bits"),
        ("a = 012", 1, 5, "leading zeros are not allowed in a decimal number"),
        ("a = -01", 1, 5, "leading zeros are not allowed"),
        ("a = 0_1", 1, 5, "leading zeros are not allowed"),
        ("a = 1__2", 1, 7, "an underscore in a number must be between two digits"),
        ("a = 1_", 1, 6, "an underscore in a number must be between two digits"),
        ("a = +0x1", 1, 5, "a sign is not allowed before a hexadecimal integer"),
        ("a = 0x", 1, 7, "expected hexadecimal digits"),
        ("a = 0o8", 1, 7, "invalid character '8' in a number"),
        ("a = 0X1F", 1, 6, "invalid character 'X' in a number (strings must be quoted)"),
        ("a = 45min", 1, 7, "invalid character 'm' in a number (strings must be quoted)"),
        // Floats.
        ("a = 1.", 1, 7, "expected a digit after the decimal point"),
        ("a = 1.e5", 1, 7, "expected a digit after the decimal point"),
        ("a = .5", 1, 5, "a number must start with a digit"),
        ("a = +", 1, 6, "expected a digit after the sign"),
        ("a = 1e", 1, 7, "expected a digit in the exponent"),
        ("a = 1e+", 1, 8, "expected a digit in the exponent"),
        ("a = 3.14.15", 1, 9, "invalid character '.' in a number"),
        ("a = 03.14", 1, 5, "leading zeros are not allowed"),
        ("a = 1e1_", 1, 8, "an underscore in a number must be between two digits"),
        ("a = infinity", 1, 5, "found a bare word; strings must be quoted"),
        // Unterminated strings, arrays and tables.
        ("a = \"abc", 1, 5, "the string is not closed: expected '\"' before the end of the file"),
        ("a = \"abc\nb = 1", 1, 5, "the string is not closed: expected '\"' before the end of the line"),
        ("a = 'abc", 1, 5, "the string is not closed: expected \"'\" before the end of the file"),
        ("a = \"\"\"abc\n", 1, 5, "the string is not closed: expected '\"\"\"' before the end of the file"),
        ("a = '''abc", 1, 5, "the string is not closed: expected \"'''\" before the end of the file"),
        (
            "a = [1, 2", 1, 10,
            "expected ',' or ']' after an array element, found the end of the file; "
                + "the array opened at line 1, column 5 is not closed"
        ),
        ("a = [\n  1,\n  2,\n", 4, 1, "expected a value or ']', found the end of the file; the array opened at line 1"),
        ("a = [1 2]", 1, 8, "expected ',' or ']' after an array element, found '2'"),
        ("a = [,]", 1, 6, "expected a value before ','"),
        ("a = { b = 1", 1, 12, "the inline table opened at line 1, column 5 is not closed"),
        ("[a", 1, 3, "expected ']' to close the table header, found the end of the file"),
        ("[[a]", 1, 5, "expected ']]' to close the array-of-tables header, found the end of the file"),
        ("[[a] ]", 1, 5, "expected ']]' to close the array-of-tables header, found a space"),
        // Inline tables stay on one line and have no trailing comma.
        ("a = { b = 1,\n c = 2 }", 1, 13, "an inline table must be on one line"),
        ("a = {\n}", 1, 6, "an inline table must be on one line"),
        ("a = { b = 1\n}", 1, 12, "an inline table must be on one line: expected ',' or '}'"),
        ("a = { b = 1, }", 1, 12, "a trailing comma is not allowed in an inline table"),
        ("a = {,}", 1, 6, "expected a key, found ','"),
        // Missing keys and table names.
        ("[\n", 1, 2, "expected a table name after '[', found the end of the line"),
        ("[", 1, 2, "expected a table name after '[', found the end of the file"),
        ("[[", 1, 3, "expected a table name after '[[', found the end of the file"),
        ("a.=1", 1, 3, "expected a key after '.', found '='"),
        ("=1", 1, 1, "expected a key before '='"),
        ("\"\"\"a\"\"\" = 1", 1, 1, "a multi-line string cannot be a key"),
        ("é = 1", 1, 1, "expected a key or a [table] header, found 'é'"),
        // Deep nesting is an error, not a stack overflow.
        (
            "a = " + String(repeating: "[", count: 101) + String(repeating: "]", count: 101), 1, 105,
            "nested more than 100 deep"
        ),
        (
            "a = " + String(repeating: "{b=", count: 101) + String(repeating: "}", count: 101), 1, 305,
            "nested more than 100"
        ),
        (Array(repeating: "a", count: 102).joined(separator: ".") + " = 1", 1, 201, "nested more than 100 deep"),
        ("[" + Array(repeating: "a", count: 101).joined(separator: ".") + "]", 1, 202, "nested more than 100 deep"),
        // Control characters and line ends.
        ("a = \"x\u{1}\"", 1, 7, #"the control character U+0001 must be escaped in a string (write \u0001"#),
        ("a = 'x\u{7F}'", 1, 7, #"the control character U+007F must be escaped in a string"#),
        ("# bell \u{7}\na = 1", 1, 8, "the control character U+0007 is not allowed in a comment"),
        ("a = 1\r", 1, 6, "a carriage return must be followed by a line feed"),
        ("a = 1\u{0}", 1, 6, "found the control character U+0000 (NUL)"),
        // Everything else.
        ("a = 1 b = 2", 1, 7, "expected the end of the line after the value, found 'b'"),
        ("a b = 1", 1, 3, "expected '=' after the key, found 'b'"),
        ("a", 1, 2, "expected '=' after the key, found the end of the file"),
        ("a = ", 1, 5, "expected a value, found the end of the file"),
        ("a =\nb = 1", 1, 4, "expected a value, found the end of the line"),
        ("[a] x", 1, 5, "expected the end of the line after the table header, found 'x'"),
        ("a = True", 1, 5, "booleans are written in lower case: true or false"),
        ("a = eu1", 1, 5, "found a bare word; strings must be quoted"),
        ("x = \"ééé\" y", 1, 11, "expected the end of the line after the value, found 'y'"),
        ("a = 1979-13-01", 1, 10, "invalid date: the month must be from 01 to 12"),
        ("a = 1979-02-29", 1, 13, "invalid date: the month has no such day"),
        ("a = 25:00:00", 1, 5, "invalid time: the hour must be from 00 to 23"),
        ("a = 1979-05-27T07:32", 1, 21, "invalid time: expected HH:MM:SS (TOML 1.0 requires the seconds)"),
        ("a = 1979-05-27T07:32:00.Z", 1, 25, "invalid time: expected a digit after the decimal point"),
        ("a = 1979-05-27T07:32:00+25:00", 1, 25, "the offset's hours must be from 00 to 23"),
        ("a = 1979-05-27T07:32:00X", 1, 24, "expected Z or an offset such as +02:00 after the time"),
    ]

    @Test("each invalid document is refused at its line and column, saying why", arguments: invalidDocuments)
    func invalid(text: String, line: Int, column: Int, fragment: String) throws {
        let error = try #require(failure(text))
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test("messages never repeat a value from the document")
    func messagesHideValues() {
        for text in ["token = s3cr3t-value", "token = \"s3cr3t\\q\"", "token = 12s3cr3t", "token = [\"s3cr3t\" x]"] {
            let message = failure(text)?.message ?? "parsed"
            #expect(!message.contains("s3cr3t"), "\(message)")
        }
    }

    // MARK: - Where keys are

    @Test("every key records the line and column where it was defined")
    func keyPositions() throws {
        let text = """
            # [not.a.table] = 1
            a = 1
            b = [
              "x", # ] not the end
              '''
            c = "not a key"
            ''',
            ]
            d = \"""
            e = 1
            \"""
            [ "t 1" . 'u' ]
            k = { inner = 1, other = "}" }
            "quoted\\"key" = 2
            [[arr]]
            v = 1
            [[arr]]
            v = 2
            [x.y.z]
            [x]
            w = "ééé"; z = 1
            """
        // The last line is invalid on purpose: the positions before it are checked on a valid prefix.
        let valid = text.components(separatedBy: "\n").dropLast().joined(separator: "\n")
        let document = try parse(valid)
        func position(_ keys: String...) -> TOMLPosition? { document.position(ofKeyPath: keys) }
        #expect(position("a") == TOMLPosition(line: 2, column: 1))
        #expect(position("b") == TOMLPosition(line: 3, column: 1))
        #expect(position("c") == nil)  // inside a string
        #expect(position("d") == TOMLPosition(line: 9, column: 1))
        #expect(position("e") == nil)
        #expect(position("t 1") == TOMLPosition(line: 12, column: 3))
        #expect(position("t 1", "u") == TOMLPosition(line: 12, column: 11))
        #expect(position("t 1", "u", "k") == TOMLPosition(line: 13, column: 1))
        #expect(position("t 1", "u", "k", "inner") == TOMLPosition(line: 13, column: 7))
        #expect(position("t 1", "u", "k", "other") == TOMLPosition(line: 13, column: 18))
        #expect(position("t 1", "u", "quoted\"key") == TOMLPosition(line: 14, column: 1))
        #expect(position("arr") == TOMLPosition(line: 15, column: 3))
        // Each element of an array of tables has its own keys.
        let elements = try #require(document["arr"]?.array).compactMap(\.table)
        #expect(
            elements.map { $0.position(of: "v") } == [
                TOMLPosition(line: 16, column: 1), TOMLPosition(line: 18, column: 1),
            ])
        // A table implied by a header is where it was first mentioned, even once defined later.
        #expect(position("x") == TOMLPosition(line: 19, column: 2))
        #expect(position("x", "y") == TOMLPosition(line: 19, column: 4))
        #expect(document["b"] == .array([.string("x"), .string("c = \"not a key\"\n")]))
        #expect(document["d"] == .string("e = 1\n"))
        #expect(document.keys == ["a", "b", "d", "t 1", "arr", "x"])
        // Columns count characters, not bytes.
        #expect(failure(text)?.position == TOMLPosition(line: 21, column: 10))
    }
}
