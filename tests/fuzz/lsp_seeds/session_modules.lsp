Content-Length: 102

{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"processId": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 1152

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "languageId": "rflow", "version": 1, "text": "// --- common.rflow\n// Imports, aliases, qualified names, enums across modules, reserved-word segments.\nmodule retail.common\n/// A store.\nrecord Store { id: string, region: string, pilot: bool = false }\nenum Category { Equipment, Pricing }\nrole Manager \"Store manager\"\nconst LIMIT: money = 1_000.00 USD\nfn label(s: Store) -> string = \"{s.id} ({s.region})\"\n// --- perf.rflow\nmodule perf.decision\nconst THRESHOLD: int = 3\n// --- main.rflow\nmodule retail.main\nimport retail.common\nimport retail.common as rc\nimport perf.decision as pd\n\nfn describe(s: common.Store, c: rc.Category) -> string {\n  match c {\n    rc.Category.Equipment => return common.label(s)\n    common.Category.Pricing => return \"pricing at {s.id}\"\n  }\n}\nfn over(amount: money) -> bool = amount > rc.LIMIT and pd.THRESHOLD > 2\ndecision who(c: common.Category) -> Role {\n  when c == rc.Category.Equipment => rc.Manager\n  when c == common.Category.Pricing => common.Manager\n}\n"}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 0, "character": 14}}}Content-Length: 185

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 2, "character": 14}}}Content-Length: 184

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 4, "character": 8}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 5, "character": 6}}}Content-Length: 227

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/references", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 14}, "context": {"includeDeclaration": true}}}Content-Length: 189

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/prepareRename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 14}}}Content-Length: 204

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/rename", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 14}, "newName": "renamed"}}Content-Length: 147

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 83

{"jsonrpc": "2.0", "id": 9, "method": "workspace/symbol", "params": {"query": "a"}}Content-Length: 153

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 146

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/foldingRange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 193

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "options": {"tabSize": 2, "insertSpaces": true}}}Content-Length: 281

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow", "version": 2}, "contentChanges": [{"range": {"start": {"line": 14, "character": 0}, "end": {"line": 14, "character": 0}}, "text": "let oops = \n"}]}}Content-Length: 383

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "range": {"start": {"line": 14, "character": 0}, "end": {"line": 15, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 14, "character": 0}, "end": {"line": 14, "character": 4}}, "code": "E0101", "message": "m"}]}}}Content-Length: 181

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 6}}}Content-Length: 69

{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 16}}Content-Length: 187

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 11}}}Content-Length: 187

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}, "position": {"line": 14, "character": 11}}}Content-Length: 132

{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/shop/main.rflow"}}}Content-Length: 66

{"jsonrpc": "2.0", "id": 17, "method": "shutdown", "params": null}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}