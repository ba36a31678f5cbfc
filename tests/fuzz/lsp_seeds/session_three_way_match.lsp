Content-Length: 102

{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 2558

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "languageId": "rflow", "version": 1, "text": "module retail.invoices\n\nimport retail.common as rc\nimport retail.systems as sys\n\n// Invoice three-way match. Accounts payable pays a supplier invoice only when\n// it agrees with the purchase order (price) and the goods receipt (quantity).\n// Clean, small invoices post on their own; everything else goes to a reviewer\n// chosen by value. Dual control and \"no self-approval\" are enforced by the\n// policies in retail.governance; the buyer who raised the PO is the requester.\n\n/// One line of a supplier invoice.\nrecord InvoiceLine {\n  sku: string\n  qty: int\n  /// Price per unit, in the invoice currency.\n  unit_price: money\n}\n\n/// A supplier invoice as captured by AP scanning.\nrecord SupplierInvoice {\n  /// The supplier's own number, e.g. \"INV-2025-04417\".\n  number: string\n  supplier: string\n  po_number: string\n  /// ISO code of the invoice currency; the lines are priced in it.\n  currency: string = \"USD\"\n  lines: list<InvoiceLine>\n}\n\n/// Where an invoice ended up.\nenum InvoiceStatus {\n  /// Posted to the ERP for payment.\n  Posted\n  /// Blocked; the supplier has to send a corrected invoice.\n  Rejected\n  /// Waiting on goods or on a decision; AP follows up.\n  OnHold\n  /// Approved, but the ERP would not take it; AP posts it by hand.\n  ParkedForAp\n}\n\n/// The DC booked goods in against a purchase order.\nsignal GoodsReceipted { po_number: string, receipt: string }\n\nrole AccountsPayable \"Accounts payable clerk\"\nrole ApSupervisor \"Accounts payable supervisor\"\n\n// AP scanning posts InvoiceScanned for every invoice it captures.\non event InvoiceScanned(inv: SupplierInvoice) start ThreeWayMatch(inv)\n\n/// Unit prices may drift this far from the PO (surcharges, rounding) and still match.\nconst PRICE_TOLERANCE: decimal = 0.02\n/// Matched invoices up to this USD value post without review.\nconst AUTO_POST_LIMIT: money = 5_000.00 USD\n\n/// The PO line for a SKU, if the PO has one.\nfn po_line(po: sys.PurchaseOrder, sku: string) -> sys.PoLine? {\n  for l in po.lines {\n    if l.sku == sku {\n      return l\n    }\n  }\n  return none\n}\n\n/// Why an invoice line disagrees with its PO line and goods receipt; empty when it matches.\nfn line_issues(line: InvoiceLine, ordered: sys.PoLine?, received: int) -> list<string> {\n  if ordered == none {\n    return [\"{line.sku}: not on the purchase order\"]\n"}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 0, "character": 14}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 2, "character": 14}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 3, "character": 14}}}Content-Length: 188

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 9, "character": 22}}}Content-Length: 226

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 46, "character": 6}, "context": {"includeDeclaration": true}}}Content-Length: 188

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 46, "character": 6}}}Content-Length: 203

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 46, "character": 6}, "newName": "renamed"}}Content-Length: 147

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {"query": "a"}}Content-Length: 153

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 146

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/foldingRange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 193

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "options": {"tabSize": 2, "insertSpaces": true}}}Content-Length: 281

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "version": 2}, "contentChanges": [{"range": {"start": {"line": 46, "character": 0}, "end": {"line": 46, "character": 0}}, "text": "let oops = \n"}]}}Content-Length: 383

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "range": {"start": {"line": 46, "character": 0}, "end": {"line": 47, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 46, "character": 0}, "end": {"line": 46, "character": 4}}, "code": "E0101", "message": "m"}]}}}Content-Length: 181

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 46, "character": 6}}}Content-Length: 69

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 16}}Content-Length: 187

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 46, "character": 11}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 46, "character": 11}}}Content-Length: 132

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 66

{"jsonrpc": "2.0", "id": 17, "method": "shutdown", "params": null}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}