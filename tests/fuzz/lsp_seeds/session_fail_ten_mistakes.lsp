Content-Length: 102

{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 1098

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "languageId": "rflow", "version": 1, "text": "// --- orders.rflow\n// The ten classes of mistake of issue 3: each gives exactly one error on its line\n// (the import cycle is reported once, where it is first closed).\nmodule shop.orders\nimport shop.audit\n\nrecord Order { id: string, qty: int, total: money }\nenum Level { Low, High }\nrole Planner \"Planner\"\nconnector erp { fn post(o: Order) -> string }\n\nfn bad_field(o: Order) -> int = o.quantity\nfn add(o: Order) -> money = o.total + 5\nfn mix() -> money = 5.00 USD + 3.00 EUR\nfn effect(o: Order) -> string = erp.post(o)\nfn level(l: Level) -> int {\n  match l {\n    Level.Low => return 1\n  }\n}\ndecision pick(n: int) -> int {\n  when n > 3 => 1\n}\nfn wrong() -> int {\n  return \"x\"\n}\nworkflow W(o: Order) {\n  owner \"ops\"\n  let x = 1\n  x = 2\n  let r = approval \"ok\" { assign Plannr; due 1h; escalate after 30m to Planner }\n}\n// --- audit.rflow\nmodule shop.audit\nimport shop.orders\n"}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 0, "character": 14}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 3, "character": 12}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 4, "character": 12}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 6, "character": 8}}}Content-Length: 227

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 22}, "context": {"includeDeclaration": true}}}Content-Length: 189

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 22}}}Content-Length: 204

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 22}, "newName": "renamed"}}Content-Length: 147

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {"query": "a"}}Content-Length: 153

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 146

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/foldingRange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 193

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "options": {"tabSize": 2, "insertSpaces": true}}}Content-Length: 281

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "version": 2}, "contentChanges": [{"range": {"start": {"line": 13, "character": 0}, "end": {"line": 13, "character": 0}}, "text": "let oops = \n"}]}}Content-Length: 383

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "range": {"start": {"line": 13, "character": 0}, "end": {"line": 14, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 13, "character": 0}, "end": {"line": 13, "character": 4}}, "code": "E0101", "message": "m"}]}}}Content-Length: 181

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 6}}}Content-Length: 69

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 16}}Content-Length: 187

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 11}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 13, "character": 11}}}Content-Length: 132

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 66

{"jsonrpc": "2.0", "id": 17, "method": "shutdown", "params": null}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}