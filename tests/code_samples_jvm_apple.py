"""Code samples for the chunker tests: Kotlin, Swift, Scala and Objective-C.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

KOTLIN_SOURCE = r"""package io.shop.orders

import kotlinx.coroutines.flow.Flow
import java.time.Instant

const val MAX_ITEMS = 50

/**
 * An order placed by a customer.
 */
data class Order(val id: String, val items: List<Item>, val placedAt: Instant) {
    val total: Long
        get() = items.sumOf { it.price * it.quantity }

    fun isEmpty(): Boolean = items.isEmpty()

    companion object {
        fun empty(id: String): Order = Order(id, emptyList(), Instant.now())
    }
}

interface OrderRepository {
    suspend fun find(id: String): Order?
    fun watch(): Flow<Order>
}

enum class Status {
    PENDING,
    SHIPPED;

    fun label(): String = name.lowercase()
}

object OrderIds {
    private var next = 0

    fun nextId(): String {
        next += 1
        return "order-$next"
    }
}

class OrderService(private val repository: OrderRepository) {
    constructor() : this(InMemoryRepository())

    suspend fun place(order: Order): Order {
        require(order.items.size <= MAX_ITEMS) { "too many items" }
        return order
    }
}

fun Order.summary(): String = "$id: ${items.size} items"

typealias OrderListener = (Order) -> Unit
"""

SWIFT_SOURCE = r"""import Foundation

/// HTTP methods a request can use.
public struct HTTPMethod: RawRepresentable, Equatable, Hashable {
    public static let get = HTTPMethod(rawValue: "GET")

    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }
}

public enum RetryPolicy {
    case never
    case after(TimeInterval)

    var delay: TimeInterval? {
        if case let .after(seconds) = self { return seconds }
        return nil
    }
}

public protocol RequestAdapter {
    func adapt(_ request: URLRequest) throws -> URLRequest
}

open class Session {
    public let configuration: URLSessionConfiguration

    public init(configuration: URLSessionConfiguration = .default) {
        self.configuration = configuration
    }

    deinit {
        print("session closed")
    }

    open func request(_ url: URL, method: HTTPMethod = .get) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method.rawValue
        return request
    }
}

extension Session {
    func download(_ url: URL) -> URLRequest {
        request(url)
    }
}

public typealias Parameters = [String: Any]

func makeSession() -> Session {
    Session()
}
"""

SCALA_SOURCE = r"""package io.shop.json

import cats.syntax.either._

/** Decodes a value from JSON. */
trait Decoder[A] extends Serializable {
  def apply(c: HCursor): Decoder.Result[A]

  final def map[B](f: A => B): Decoder[B] = new Decoder[B] {
    def apply(c: HCursor): Decoder.Result[B] = Decoder.this.apply(c).map(f)
  }
}

object Decoder {
  type Result[A] = Either[DecodingFailure, A]

  def instance[A](f: HCursor => Result[A]): Decoder[A] = new Decoder[A] {
    def apply(c: HCursor): Result[A] = f(c)
  }

  implicit val decodeString: Decoder[String] = instance(_.as[String])
}

final case class DecodingFailure(message: String, history: List[CursorOp]) extends Exception {
  override def getMessage: String = s"$message: ${history.mkString(",")}"
}

sealed abstract class CursorOp

enum Mode:
  case Strict, Lenient

  def isStrict: Boolean = this == Strict

extension (json: Json)
  def pretty: String = json.spaces2

def parse(input: String): Either[ParsingFailure, Json] =
  Parser.parse(input)
"""

OBJC_SOURCE = r"""#import <Foundation/Foundation.h>
#import "Cart.h"

static const NSInteger kMaxItems = 50;

/// A line in the cart.
@interface CartItem : NSObject
@property (nonatomic, copy) NSString *name;
@property (nonatomic) NSInteger quantity;
- (instancetype)initWithName:(NSString *)name quantity:(NSInteger)quantity;
- (NSInteger)total;
@end

@protocol CartDelegate <NSObject>
- (void)cartDidChange:(id)cart;
@end

@implementation CartItem

- (instancetype)initWithName:(NSString *)name quantity:(NSInteger)quantity {
    self = [super init];
    if (self) {
        _name = [name copy];
        _quantity = quantity;
    }
    return self;
}

- (NSInteger)total {
    return self.quantity * 100;
}

@end

typedef struct {
    double subtotal;
    double tax;
} CartTotals;

static double CartTaxRate(void) {
    return 0.2;
}
"""

SOURCES: dict[str, str] = {
    "kotlin": KOTLIN_SOURCE,
    "swift": SWIFT_SOURCE,
    "scala": SCALA_SOURCE,
    "objc": OBJC_SOURCE,
}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "kotlin": {
        ("class", "Order"),
        ("interface", "OrderRepository"),
        ("enum", "Status"),
        ("class", "OrderIds"),
        ("class", "OrderService"),
        ("function", "Order.summary"),
        ("type", "OrderListener"),
    },
    "swift": {
        ("struct", "HTTPMethod"),
        ("enum", "RetryPolicy"),
        ("interface", "RequestAdapter"),
        ("class", "Session"),
        ("impl", "Session"),
        ("type", "Parameters"),
        ("function", "makeSession"),
    },
    "scala": {
        ("trait", "Decoder"),
        ("class", "Decoder"),
        ("class", "DecodingFailure"),
        ("class", "CursorOp"),
        ("enum", "Mode"),
        ("impl", "Json"),
        ("function", "parse"),
    },
    "objc": {
        ("class", "CartItem"),
        ("interface", "CartDelegate"),
        ("impl", "CartItem"),
        ("struct", "CartTotals"),
        ("function", "CartTaxRate"),
    },
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "kotlin": {
        ("method", "Order.isEmpty"),
        ("class", "Order.Companion"),
        ("method", "OrderService.constructor"),
        ("method", "OrderService.place"),
    },
    "swift": {
        ("method", "HTTPMethod.init"),
        ("method", "Session.init"),
        ("method", "Session.deinit"),
        ("method", "Session.request"),
    },
    "scala": {
        ("method", "Decoder.apply"),
        ("method", "Decoder.map"),
        ("type", "Decoder.Result"),
        ("method", "Decoder.instance"),
        ("method", "DecodingFailure.getMessage"),
    },
    "objc": {("method", "CartItem.initWithName:quantity:"), ("method", "CartItem.total")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "kotlin",
        "class A {\n    companion object {\n        fun make() = A()\n    }\n}\n",
        {("class", "A"), ("class", "A.Companion"), ("method", "A.Companion.make")},
    ),
    (
        "kotlin",
        'fun String?.orEmpty(): String = this ?: ""\n\nsealed interface Shape\n',
        {("function", "String.orEmpty"), ("interface", "Shape")},
    ),
    (
        "swift",
        "extension Request.State {\n    func next() -> Self { self }\n}\n\nactor Counter {}\n",
        {("impl", "Request.State"), ("method", "Request.State.next"), ("class", "Counter")},
    ),
    (
        "scala",
        "object Codec {\n  given Ordering[Json] = Ordering.by(_.toString)\n}\n",
        {("class", "Codec"), ("method", "Codec.Ordering[Json]")},
    ),
    (
        "scala",
        "package object syntax {\n  def show(x: Any): String = x.toString\n}\n",
        {("namespace", "syntax"), ("function", "syntax.show")},
    ),
    (
        "objc",
        "@implementation Shop (Extras)\n- (void)open:(id)sender now:(BOOL)now {\n}\n@end\n",
        {("impl", "Shop"), ("method", "Shop.open:now:")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "kotlin": (
        "fun big(n: Int) {\n",
        "    val value{i} = compute({i}, n)\n",
        "}\n",
        "function",
        "big",
    ),
    "swift": (
        "func big(n: Int) {\n",
        "    let value{i} = compute({i}, n)\n",
        "}\n",
        "function",
        "big",
    ),
    "scala": (
        "def big(n: Int): Unit = {\n",
        "  val value{i} = compute({i}, n)\n",
        "}\n",
        "function",
        "big",
    ),
    "objc": (
        "void big(int n) {\n",
        "    int value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "kotlin": "package a.b\n\nimport kotlin.math.max\n\nval limit = 10\n",
    "swift": 'import Foundation\n\nlet limit = 10\nvar names = ["a"]\n',
    "scala": "package a.b\n\nimport scala.util.Try\n\nval limit = 10\n",
    "objc": "#import <Foundation/Foundation.h>\nstatic NSInteger limit = 10;\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "kotlin": (
        '// Καλάθι αγορών 🛒\nval σύμβολο = "€"\n\n'
        "class Καλάθι {\n    fun προσθήκη(είδος: String) {\n"
        '        είδη.add("$είδος ✔️")\n    }\n}\n\nfun τιμή(x: Int): String {\n'
        '    return "$x$σύμβολο"\n}\n',
        {("method", "Καλάθι.προσθήκη"), ("function", "τιμή")},
    ),
}
