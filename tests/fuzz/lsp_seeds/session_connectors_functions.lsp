Content-Length: 102

{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 855

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "languageId": "rflow", "version": 1, "text": "module retail.systems\n\n/// The warehouse management system, bound to an endpoint at deployment.\nconnector wms {\n  /// Units available at the distribution center.\n  fn availability(sku: string) -> Availability\n  fn allocate(store: string, sku: string, qty: int) -> Allocation\n  fn ping()\n}\n\n/// Pure function: no effects, no waiting. Body is a block or `= expr`.\nfn reorder_qty(daily: int, days: int) -> int = daily * days\n\nfn clamp(x: int, low: int, high: int) -> int {\n  if x < low {\n    return low\n  }\n  return if x > high then high else x\n}\n\nfn log_nothing(x: int) {\n  let y = x\n}\n\nfn labels(xs: list<string>, m: map<int>) -> list<string>? = none\n"}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 0, "character": 14}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 3, "character": 11}}}Content-Length: 184

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 5, "character": 6}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 6, "character": 6}}}Content-Length: 226

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 11, "character": 4}, "context": {"includeDeclaration": true}}}Content-Length: 188

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 11, "character": 4}}}Content-Length: 203

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 11, "character": 4}, "newName": "renamed"}}Content-Length: 147

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {"query": "a"}}Content-Length: 153

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 146

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/foldingRange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 193

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "options": {"tabSize": 2, "insertSpaces": true}}}Content-Length: 281

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "version": 2}, "contentChanges": [{"range": {"start": {"line": 11, "character": 0}, "end": {"line": 11, "character": 0}}, "text": "let oops = \n"}]}}Content-Length: 383

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "range": {"start": {"line": 11, "character": 0}, "end": {"line": 12, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 11, "character": 0}, "end": {"line": 11, "character": 4}}, "code": "E0101", "message": "m"}]}}}Content-Length: 181

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 11, "character": 6}}}Content-Length: 69

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 16}}Content-Length: 187

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 11, "character": 11}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 11, "character": 11}}}Content-Length: 132

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 66

{"jsonrpc": "2.0", "id": 17, "method": "shutdown", "params": null}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}