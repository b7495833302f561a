/**
 * While a shopper's connection is under way ("Connecting your Instagram account…"), look at
 * the page again after 1, 2, 3, 5 and 8 seconds, and show it anew once the connection is no
 * longer under way. The lead usually arrives within a second; after the fifth look the page
 * stays as it is, with its "reload the page" hint.
 *
 * @package igsync-bridge
 */

( function () {
	var waits = [ 1000, 2000, 3000, 5000, 8000 ];
	function look() {
		var wait = waits.shift();
		if ( undefined === wait ) {
			return;
		}
		window.setTimeout(
			function () {
				window.fetch( window.location.href, { credentials: 'same-origin', cache: 'no-store' } )
				.then(
					function ( answer ) {
						return answer.ok ? answer.text() : '';
					}
				)
				.then(
					function ( page ) {
						if ( '' !== page && -1 === page.indexOf( 'igsync-status--connecting' ) ) {
								window.location.reload();
						} else {
							look();
						}
					}
				)
				.catch( look );
			},
			wait
		);
	}
	if ( document.querySelector( '.igsync-status--connecting' ) ) {
		look();
	}
}() );
