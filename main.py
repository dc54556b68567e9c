from organizer.app import main

raise SystemExit(main())
